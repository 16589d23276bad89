/**
 * How the Lyve dialect names principals (its document's ARNs are `arn:aws:iam::<account>:user/<name>`
 * with a 12-digit account). The account is the service's IAM namespace: 12 decimal digits derived
 * from the service uuid, stable for its life. Tools read it as an AWS account id (ECR hosts, ARNs
 * built in scripts), which must be 12 digits; nothing resolves a service from it (the service is
 * always the caller's key's), so the rare collision between two services' numbers names nothing.
 */
export function lyveAccount(serviceUuid: string): string {
  const hex = serviceUuid.replaceAll("-", "").slice(0, 16).padEnd(16, "0");
  return (BigInt(`0x${hex}`) % 1_000_000_000_000n).toString().padStart(12, "0");
}

export const lyveUserArn = (serviceUuid: string, username: string) => `arn:aws:iam::${lyveAccount(serviceUuid)}:user/${username}`;
