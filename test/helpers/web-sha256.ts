// SHA-256 / HMAC over WebCrypto in the shape @smithy/signature-v4 expects (the SDK normally brings
// @aws-crypto), for suites that sign with the SDK's own signer.

type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytesOf(data: SourceData): Uint8Array {
  if (typeof data === "string") return new TextEncoder().encode(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export class WebSha256 {
  private parts: Uint8Array[] = [];
  constructor(private readonly secret?: SourceData) {}
  update(data: SourceData): void {
    this.parts.push(bytesOf(data));
  }
  async digest(): Promise<Uint8Array> {
    const all = new Uint8Array(this.parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const p of this.parts) {
      all.set(p, offset);
      offset += p.length;
    }
    if (this.secret === undefined) return new Uint8Array(await crypto.subtle.digest("SHA-256", all));
    const key = await crypto.subtle.importKey("raw", bytesOf(this.secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    return new Uint8Array(await crypto.subtle.sign("HMAC", key, all));
  }
  reset(): void {
    this.parts = [];
  }
}
