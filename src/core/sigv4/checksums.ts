/**
 * Streaming checksums: CRC32, CRC32C and CRC64NVME by table in TS (slicing-by-8 for the 32-bit
 * ones), MD5, SHA-1 and SHA-256 through the runtime's native `crypto.DigestStream`.
 *
 * S3 transmits checksums as base64 of the big-endian value (`x-amz-checksum-crc32: gq27EQ==`),
 * Content-MD5 as base64, ETags as hex; every digest here is available in both.
 */
import { toBase64, toHex } from "./encoding";

export type ChecksumAlgorithm = "CRC32" | "CRC32C" | "CRC64NVME" | "SHA1" | "SHA256" | "MD5";

export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256", "MD5"];

/** The header (and trailer) that carries each checksum. MD5 travels as Content-MD5. */
export const CHECKSUM_HEADER: Readonly<Record<ChecksumAlgorithm, string>> = {
  CRC32: "x-amz-checksum-crc32",
  CRC32C: "x-amz-checksum-crc32c",
  CRC64NVME: "x-amz-checksum-crc64nvme",
  SHA1: "x-amz-checksum-sha1",
  SHA256: "x-amz-checksum-sha256",
  MD5: "content-md5",
};

/** Digest length in bytes. */
export const CHECKSUM_LENGTH: Readonly<Record<ChecksumAlgorithm, number>> = {
  CRC32: 4,
  CRC32C: 4,
  CRC64NVME: 8,
  SHA1: 20,
  SHA256: 32,
  MD5: 16,
};

/** The algorithm whose `x-amz-checksum-*` header or trailer has this (lower-case) name. */
export function checksumAlgorithmForHeader(name: string): ChecksumAlgorithm | null {
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    if (algorithm !== "MD5" && CHECKSUM_HEADER[algorithm] === name) return algorithm;
  }
  return null;
}

export interface Digest {
  readonly bytes: Uint8Array;
  readonly hex: string;
  readonly base64: string;
}

export type Digests = Partial<Record<ChecksumAlgorithm, Digest>>;

export function digestOf(bytes: Uint8Array): Digest {
  return { bytes, hex: toHex(bytes), base64: toBase64(bytes) };
}

// ---- CRC32 / CRC32C (reflected, slicing-by-8) ----

function crcTables(poly: number): Uint32Array[] {
  const tables = Array.from({ length: 8 }, () => new Uint32Array(256));
  const t0 = tables[0]!;
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    t0[i] = c >>> 0;
  }
  for (let t = 1; t < 8; t++) {
    const prev = tables[t - 1]!;
    const cur = tables[t]!;
    for (let i = 0; i < 256; i++) cur[i] = ((prev[i]! >>> 8) ^ t0[prev[i]! & 0xff]!) >>> 0;
  }
  return tables;
}

let crc32Tables: Uint32Array[] | undefined;
let crc32cTables: Uint32Array[] | undefined;

function updateCrc(tables: Uint32Array[], crc: number, bytes: Uint8Array): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = tables as [
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
  ];
  let c = ~crc;
  let i = 0;
  const n = bytes.length;
  const end8 = n - (n % 8);
  while (i < end8) {
    const one = (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) ^ c;
    const two = bytes[i + 4]! | (bytes[i + 5]! << 8) | (bytes[i + 6]! << 16) | (bytes[i + 7]! << 24);
    c =
      t7[one & 0xff]! ^
      t6[(one >>> 8) & 0xff]! ^
      t5[(one >>> 16) & 0xff]! ^
      t4[one >>> 24]! ^
      t3[two & 0xff]! ^
      t2[(two >>> 8) & 0xff]! ^
      t1[(two >>> 16) & 0xff]! ^
      t0[two >>> 24]!;
    i += 8;
  }
  while (i < n) c = t0[(c ^ bytes[i++]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** Incremental CRC-32 (IEEE, as zlib). `value` is the unsigned 32-bit CRC. */
export class Crc32 {
  value = 0;
  update(bytes: Uint8Array): this {
    this.value = updateCrc((crc32Tables ??= crcTables(0xedb88320)), this.value, bytes);
    return this;
  }
  digest(): Uint8Array {
    return uint32BigEndian(this.value);
  }
}

/** Incremental CRC-32C (Castagnoli). */
export class Crc32c {
  value = 0;
  update(bytes: Uint8Array): this {
    this.value = updateCrc((crc32cTables ??= crcTables(0x82f63b78)), this.value, bytes);
    return this;
  }
  digest(): Uint8Array {
    return uint32BigEndian(this.value);
  }
}

function uint32BigEndian(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value >>> 0, false);
  return out;
}

// ---- CRC64/NVME (reflected poly 0x9a6c9329ac4bc9b5), as two 32-bit halves ----

let crc64Tables: { hi: Uint32Array; lo: Uint32Array } | undefined;

function makeCrc64Tables(): { hi: Uint32Array; lo: Uint32Array } {
  const POLY_HI = 0x9a6c9329;
  const POLY_LO = 0xac4bc9b5;
  const hi = new Uint32Array(256);
  const lo = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let h = 0;
    let l = i;
    for (let k = 0; k < 8; k++) {
      const lsb = l & 1;
      l = ((l >>> 1) | ((h & 1) << 31)) >>> 0;
      h = h >>> 1;
      if (lsb) {
        h = (h ^ POLY_HI) >>> 0;
        l = (l ^ POLY_LO) >>> 0;
      }
    }
    hi[i] = h;
    lo[i] = l;
  }
  return { hi, lo };
}

/** Incremental CRC-64/NVME, the algorithm S3 uses for full-object checksums. */
export class Crc64Nvme {
  private hi = 0xffffffff;
  private lo = 0xffffffff;
  update(bytes: Uint8Array): this {
    const { hi: thi, lo: tlo } = (crc64Tables ??= makeCrc64Tables());
    let h = this.hi;
    let l = this.lo;
    for (let i = 0; i < bytes.length; i++) {
      const idx = (l ^ bytes[i]!) & 0xff;
      l = (((l >>> 8) | (h << 24)) ^ tlo[idx]!) >>> 0;
      h = ((h >>> 8) ^ thi[idx]!) >>> 0;
    }
    this.hi = h;
    this.lo = l;
    return this;
  }
  digest(): Uint8Array {
    const out = new Uint8Array(8);
    const view = new DataView(out.buffer);
    view.setUint32(0, ~this.hi >>> 0, false);
    view.setUint32(4, ~this.lo >>> 0, false);
    return out;
  }
}

export function crc32(bytes: Uint8Array): number {
  return new Crc32().update(bytes).value;
}

export function crc32c(bytes: Uint8Array): number {
  return new Crc32c().update(bytes).value;
}

// ---- native digests ----

const DIGEST_STREAM_NAME = { SHA1: "SHA-1", SHA256: "SHA-256", MD5: "MD5" } as const;

interface Hasher {
  update(bytes: Uint8Array): Promise<void> | void;
  finish(): Promise<Uint8Array> | Uint8Array;
  abort(): void;
}

function crcHasher(crc: Crc32 | Crc32c | Crc64Nvme): Hasher {
  return {
    update: (bytes) => void crc.update(bytes),
    finish: () => crc.digest(),
    abort: () => {},
  };
}

function nativeHasher(name: "SHA-1" | "SHA-256" | "MD5"): Hasher {
  const stream = new crypto.DigestStream(name);
  // An aborted DigestStream rejects `digest`; nobody awaits it then.
  stream.digest.catch(() => {});
  const writer = stream.getWriter();
  return {
    // The write is awaited so the caller may hand the same bytes downstream afterwards.
    update: (bytes) => writer.write(bytes),
    finish: async () => {
      await writer.close();
      return new Uint8Array(await stream.digest);
    },
    abort: () => void writer.abort().catch(() => {}),
  };
}

function hasherFor(algorithm: ChecksumAlgorithm): Hasher {
  switch (algorithm) {
    case "CRC32":
      return crcHasher(new Crc32());
    case "CRC32C":
      return crcHasher(new Crc32c());
    case "CRC64NVME":
      return crcHasher(new Crc64Nvme());
    default:
      return nativeHasher(DIGEST_STREAM_NAME[algorithm]);
  }
}

/** Computes any set of checksums over bytes fed in order. */
export class MultiHasher {
  readonly algorithms: readonly ChecksumAlgorithm[];
  private readonly hashers: Array<[ChecksumAlgorithm, Hasher]>;
  private bytes = 0;

  constructor(algorithms: Iterable<ChecksumAlgorithm>) {
    this.algorithms = [...new Set(algorithms)];
    this.hashers = this.algorithms.map((algorithm) => [algorithm, hasherFor(algorithm)]);
  }

  get length(): number {
    return this.bytes;
  }

  async update(bytes: Uint8Array): Promise<void> {
    if (bytes.length === 0) return;
    this.bytes += bytes.length;
    for (const [, hasher] of this.hashers) await hasher.update(bytes);
  }

  async digest(): Promise<Digests> {
    const out: Digests = {};
    for (const [algorithm, hasher] of this.hashers) out[algorithm] = digestOf(await hasher.finish());
    return out;
  }

  abort(): void {
    for (const [, hasher] of this.hashers) hasher.abort();
  }
}

/** One-shot checksum of a buffer. */
export async function checksum(algorithm: ChecksumAlgorithm, bytes: Uint8Array): Promise<Digest> {
  const hasher = new MultiHasher([algorithm]);
  await hasher.update(bytes);
  return (await hasher.digest())[algorithm]!;
}

export interface ChecksumStream extends ReadableWritablePair<Uint8Array, Uint8Array> {
  /** Resolves when the stream ends with every requested digest; rejects if it errors. */
  readonly digests: Promise<Digests>;
}

/**
 * A pass-through stream pair that computes the given checksums on the way (no tee, no copy):
 * `body.pipeThrough(cs)` then `await cs.digests`. Built from a readable and a writable rather than
 * a TransformStream so that an abort or a cancel also settles `digests`.
 */
export function createChecksumStream(algorithms: Iterable<ChecksumAlgorithm>): ChecksumStream {
  const hasher = new MultiHasher(algorithms);
  let resolve!: (value: Digests) => void;
  let reject!: (reason: unknown) => void;
  const digests = new Promise<Digests>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  digests.catch(() => {});

  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let wakeWriter: (() => void) | null = null;
  let cancelled = null as { reason: unknown } | null;
  const readable = new ReadableStream<Uint8Array>(
    {
      start: (c) => {
        controller = c;
      },
      pull: () => {
        wakeWriter?.();
        wakeWriter = null;
      },
      cancel: (reason) => {
        cancelled = { reason };
        hasher.abort();
        reject(reason);
        wakeWriter?.();
        wakeWriter = null;
      },
    },
    { highWaterMark: 0 },
  );
  const throwIfCancelled = (): void => {
    if (cancelled) throw cancelled.reason;
  };
  const writable = new WritableStream<Uint8Array>({
    async write(chunk) {
      throwIfCancelled();
      await hasher.update(chunk);
      controller.enqueue(chunk);
      // Backpressure: wait for the reader before accepting more.
      if ((controller.desiredSize ?? 0) <= 0) await new Promise<void>((wake) => (wakeWriter = wake));
      throwIfCancelled();
    },
    async close() {
      resolve(await hasher.digest());
      controller.close();
    },
    abort(reason) {
      hasher.abort();
      reject(reason);
      controller.error(reason);
    },
  });
  return { readable, writable, digests };
}
