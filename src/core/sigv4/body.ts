/**
 * The request payload as a stream of decoded bytes, checked on the way without buffering:
 * x-amz-content-sha256 (hex), aws-chunked framing with chunk and trailer signatures,
 * x-amz-decoded-content-length, Content-MD5 and every x-amz-checksum-* given as header or trailer.
 *
 * How a failed check surfaces: the returned `body` errors (with the AuthError) instead of closing,
 * and `done` rejects with the same AuthError. The last piece of data is held back until every
 * check has passed, so a consumer that needs the whole body (R2 `put` through a FixedLengthStream)
 * never receives a complete body that fails verification: its write fails and nothing is stored.
 */
import { releaseBody } from "../../lib/request-body";
import { AwsChunkedDecoder } from "./chunked";
import { CHECKSUM_LENGTH, checksumAlgorithmForHeader, MultiHasher, type ChecksumAlgorithm, type Digests } from "./checksums";
import { concatBytes, fromBase64 } from "./encoding";
import { AuthError } from "./errors";
import { streamingFacts } from "./payload";
import { STREAMING_SIGNED, STREAMING_SIGNED_TRAILER, STREAMING_UNSIGNED_TRAILER, type PayloadMode, type VerifiedAuth } from "./types";

export interface DecodeBodyOptions {
  /** Checksums to compute in any case (e.g. MD5 for the ETag); results are in `done`. */
  readonly checksums?: Iterable<ChecksumAlgorithm>;
}

export interface BodyResult {
  /** Decoded payload length. */
  readonly length: number;
  /** Trailing headers (lower-case names; x-amz-trailer-signature excluded). Empty unless aws-chunked. */
  readonly trailers: Readonly<Record<string, string>>;
  /** Every checksum computed: the requested ones plus those needed for verification. */
  readonly checksums: Digests;
}

export interface DecodedBody {
  /** The payload (aws-chunked framing removed). Errors with an AuthError if any check fails. */
  readonly body: ReadableStream<Uint8Array>;
  /**
   * The decoded length when known in advance (x-amz-decoded-content-length, else Content-Length),
   * for R2's FixedLengthStream; null for an unsized plain body.
   */
  readonly length: number | null;
  /** Resolves once the body has been fully read and every check passed; rejects with the AuthError. */
  readonly done: Promise<BodyResult>;
  /** Payload protection in effect. */
  readonly mode: PayloadMode;
}

interface Expectation {
  algorithm: ChecksumAlgorithm;
  /** Expected raw digest bytes (hex mode compares hex). */
  expected: Uint8Array;
  onMismatch: () => AuthError;
}

const ALGORITHM_LABEL: Record<ChecksumAlgorithm, string> = {
  CRC32: "CRC32",
  CRC32C: "CRC32C",
  CRC64NVME: "CRC64NVME",
  SHA1: "SHA1",
  SHA256: "SHA256",
  MD5: "Content-MD5",
};

function checksumMismatch(algorithm: ChecksumAlgorithm): AuthError {
  return new AuthError("BadDigest", `The ${ALGORITHM_LABEL[algorithm]} you specified did not match the calculated checksum.`);
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Payload mode of a request that was not SigV4-verified (SigV2 or anonymous). */
function unverifiedMode(request: Request): PayloadMode {
  const value = request.headers.get("x-amz-content-sha256")?.trim() ?? "";
  if (/^[0-9a-fA-F]{64}$/.test(value)) return "sha256";
  if (value === STREAMING_UNSIGNED_TRAILER) return "streaming-unsigned-trailer";
  if (value === STREAMING_SIGNED || value === STREAMING_SIGNED_TRAILER) {
    throw new AuthError("InvalidRequest", `${value} requires a request signed with AWS4-HMAC-SHA256`);
  }
  return "unsigned";
}

function headerExpectations(request: Request, mode: PayloadMode, verified: VerifiedAuth | null): Expectation[] {
  const expectations: Expectation[] = [];
  if (mode === "sha256") {
    const hex =
      verified?.version === 4 && verified.contentSha256 !== null
        ? verified.contentSha256
        : request.headers.get("x-amz-content-sha256")!.trim().toLowerCase();
    expectations.push({
      algorithm: "SHA256",
      expected: hexToBytes(hex),
      onMismatch: () =>
        new AuthError("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.", {
          ClientComputedContentSHA256: hex,
        }),
    });
  }
  const md5 = request.headers.get("content-md5");
  if (md5 !== null) {
    const expected = fromBase64(md5.trim());
    if (!expected || expected.length !== 16) {
      throw new AuthError("InvalidDigest", "The Content-MD5 you specified was invalid.");
    }
    expectations.push({
      algorithm: "MD5",
      expected,
      onMismatch: () => new AuthError("BadDigest", "The Content-MD5 you specified did not match what we received."),
    });
  }
  for (const [name, value] of request.headers) {
    const algorithm = checksumAlgorithmForHeader(name);
    if (!algorithm) continue;
    const expected = fromBase64(value.trim());
    if (!expected || expected.length !== CHECKSUM_LENGTH[algorithm]) {
      throw new AuthError("InvalidRequest", `Value for ${name} header is invalid.`);
    }
    expectations.push({ algorithm, expected, onMismatch: () => checksumMismatch(algorithm) });
  }
  return expectations;
}

function trailerExpectations(trailers: Readonly<Record<string, string>>): Expectation[] {
  const expectations: Expectation[] = [];
  for (const [name, value] of Object.entries(trailers)) {
    const algorithm = checksumAlgorithmForHeader(name);
    if (!algorithm) continue;
    const expected = fromBase64(value);
    if (!expected || expected.length !== CHECKSUM_LENGTH[algorithm]) {
      throw new AuthError("InvalidRequest", `Value for ${name} trailing header is invalid.`);
    }
    expectations.push({ algorithm, expected, onMismatch: () => checksumMismatch(algorithm) });
  }
  return expectations;
}

function failed(error: unknown, mode: PayloadMode): DecodedBody {
  const done = Promise.reject(error);
  done.catch(() => {});
  return {
    body: new ReadableStream<Uint8Array>({ start: (controller) => controller.error(error) }),
    length: null,
    done,
    mode,
  };
}

/**
 * Decodes and checks the payload of a request. `verified` is the result of `verify` (null for an
 * anonymous request). Never throws: problems found before reading (a malformed Content-MD5, a
 * streaming mode without SigV4) come back as an already-errored body and a rejected `done`.
 */
export function decodeBody(request: Request, verified: VerifiedAuth | null, options: DecodeBodyOptions = {}): DecodedBody {
  let mode: PayloadMode = "unsigned";
  let decoder: AwsChunkedDecoder | null = null;
  let length: number | null = null;
  let expectations: Expectation[];
  const algorithms = new Set<ChecksumAlgorithm>(options.checksums ?? []);
  try {
    mode = verified?.version === 4 ? verified.payload : unverifiedMode(request);
    expectations = headerExpectations(request, mode, verified);
    if (mode.startsWith("streaming-")) {
      const facts =
        verified?.version === 4
          ? { decodedContentLength: verified.decodedContentLength, trailerNames: verified.trailerNames }
          : streamingFacts(mode, request);
      length = facts.decodedContentLength;
      const signing =
        verified?.version === 4 && mode !== "streaming-unsigned-trailer"
          ? {
              signingKey: verified.signingKey,
              amzDate: verified.amzDate,
              credentialScope: verified.credentialScope,
              seedSignature: verified.seedSignature,
            }
          : null;
      const trailers = mode !== "streaming-signed";
      decoder = new AwsChunkedDecoder({
        signing,
        trailers,
        declaredTrailers: trailers ? facts.trailerNames : [],
        decodedLength: facts.decodedContentLength,
      });
      for (const name of facts.trailerNames) {
        const algorithm = checksumAlgorithmForHeader(name);
        if (algorithm && trailers) algorithms.add(algorithm);
      }
    } else {
      const contentLength = request.headers.get("content-length");
      length = contentLength !== null && /^\d{1,15}$/.test(contentLength) ? Number(contentLength) : null;
      if (request.body === null) length = 0;
    }
  } catch (error) {
    return failed(error, mode);
  }
  for (const e of expectations) algorithms.add(e.algorithm);

  const hasher = new MultiHasher(algorithms);
  const source = request.body?.getReader() ?? null;
  const ready: Uint8Array[] = [];
  let held: Uint8Array | null = null;
  let resolveDone!: (result: BodyResult) => void;
  let rejectDone!: (reason: unknown) => void;
  const done = new Promise<BodyResult>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  done.catch(() => {});

  const emit = async (data: Uint8Array): Promise<void> => {
    if (data.length === 0) return;
    await hasher.update(data);
    ready.push(data);
  };

  const finish = async (controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> => {
    const trailers = decoder ? await decoder.end() : {};
    const checks = [...expectations, ...trailerExpectations(trailers)];
    const digests = await hasher.digest();
    for (const check of checks) {
      const actual = digests[check.algorithm]!;
      if (!bytesEqual(actual.bytes, check.expected)) throw check.onMismatch();
    }
    if (held) controller.enqueue(held);
    held = null;
    controller.close();
    resolveDone({ length: hasher.length, trailers, checksums: digests });
  };

  const fail = (controller: ReadableStreamDefaultController<Uint8Array>, error: unknown): void => {
    held = null;
    ready.length = 0;
    hasher.abort();
    controller.error(error);
    if (source) releaseBody(request, source);
    rejectDone(error);
  };

  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          for (;;) {
            const next = source ? await source.read() : { done: true as const, value: undefined };
            if (next.done) {
              await finish(controller);
              return;
            }
            if (decoder) await decoder.push(next.value, emit);
            else await emit(next.value);
            if (ready.length === 0) continue;
            // Keep the most recent piece back: it is released only once the checks have passed.
            let enqueued = false;
            for (const piece of ready) {
              if (held) {
                controller.enqueue(held);
                enqueued = true;
              }
              held = piece;
            }
            ready.length = 0;
            if (enqueued) return;
          }
        } catch (error) {
          fail(controller, error);
        }
      },
      cancel(reason) {
        held = null;
        hasher.abort();
        rejectDone(reason ?? new Error("The request body stream was cancelled"));
        if (source) releaseBody(request, source);
      },
    },
    { highWaterMark: 0 },
  );
  return { body, length, done, mode };
}

export interface ReadBodyOptions extends DecodeBodyOptions {
  /** Refuse bodies longer than this (MaxMessageLengthExceeded). Default 1 MiB. */
  readonly maxBytes?: number;
}

/**
 * For small bodies the handler parses whole (DeleteObjects, CompleteMultipartUpload, IAM forms):
 * decodes, checks and buffers. Rejects with the AuthError of a failed check.
 */
export async function readBody(
  request: Request,
  verified: VerifiedAuth | null,
  options: ReadBodyOptions = {},
): Promise<{ bytes: Uint8Array; result: BodyResult }> {
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  const decoded = decodeBody(request, verified, options);
  const reader = decoded.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel();
      throw new AuthError("MaxMessageLengthExceeded", "Your request was too big.");
    }
    parts.push(value);
  }
  return { bytes: concatBytes(parts), result: await decoded.done };
}
