/**
 * R2 key scheme. Every object of every tenant lives in the one R2 binding under its service and
 * bucket, so no name a client can send reaches another service's bytes:
 *   s/<service uuid>/<bucket>/<object key>
 * Bucket names never contain "/", so the bucket prefix is unambiguous.
 */
export const servicePrefix = (serviceUuid: string) => `s/${serviceUuid}/`;
export const bucketPrefix = (serviceUuid: string, bucket: string) => `s/${serviceUuid}/${bucket}/`;
export const objectKey = (serviceUuid: string, bucket: string, key: string) => `s/${serviceUuid}/${bucket}/${key}`;
