/**
 * Incremental decoder for the `aws-chunked` content encoding (after HTTP de-chunking):
 *
 *   <hex-size>[;chunk-signature=<64 hex>]\r\n<data>\r\n ... 0[;chunk-signature=<sig>]\r\n
 *   [<trailer-name>:<value>\r\n ... [x-amz-trailer-signature:<sig>\r\n]]\r\n
 *
 * Input may be split anywhere. Data is emitted as subarrays of the input as soon as it arrives;
 * chunk signatures are checked when each chunk ends, the trailer signature and lengths at `end()`.
 * Any failure throws an AuthError; the caller must then discard everything emitted (body.ts holds
 * back the last piece so a consumer never sees a complete body before `end()` succeeded).
 */
import { EMPTY_SHA256, hmacHex, sha256Hex } from "./crypto";
import { timingSafeEqual, toHex } from "./encoding";
import { AuthError } from "./errors";

export interface ChunkSigning {
  readonly signingKey: CryptoKey;
  readonly amzDate: string;
  readonly credentialScope: string;
  /** The request's own signature, the "previous signature" of the first chunk. */
  readonly seedSignature: string;
}

export interface AwsChunkedOptions {
  /** Present for STREAMING-AWS4-HMAC-SHA256-PAYLOAD(-TRAILER): every chunk must be signed. */
  readonly signing: ChunkSigning | null;
  /** *-TRAILER modes: trailing headers follow the final chunk. */
  readonly trailers: boolean;
  /** Lower-case trailer names announced by x-amz-trailer; others are refused. */
  readonly declaredTrailers: readonly string[];
  /** x-amz-decoded-content-length, checked as data arrives and at the end. */
  readonly decodedLength: number | null;
}

const MAX_SIZE_LINE = 4096;
const MAX_TRAILER_BYTES = 16 * 1024;
const LF = 0x0a;
const CR = 0x0d;

type State = "size" | "data" | "data-cr" | "data-lf" | "trailer" | "done";

function incomplete(message: string): AuthError {
  return new AuthError("IncompleteBody", message);
}

function chunkSignatureMismatch(message: string): AuthError {
  return new AuthError("SignatureDoesNotMatch", message);
}

export class AwsChunkedDecoder {
  private state: State = "size";
  private lineParts: Uint8Array[] = [];
  private lineLength = 0;
  private remaining = 0;
  private decoded = 0;
  private previousSignature: string;
  private pendingSignature: string | null = null;
  private chunkDigest: { stream: DigestStream; writer: WritableStreamDefaultWriter<ArrayBufferView> } | null = null;
  private readonly trailerValues = new Map<string, string>();
  private trailerCanonical = "";
  private trailerSignature: string | null = null;
  private trailerBytes = 0;

  constructor(private readonly options: AwsChunkedOptions) {
    this.previousSignature = options.signing?.seedSignature ?? "";
  }

  /** Bytes of payload emitted so far. */
  get decodedLength(): number {
    return this.decoded;
  }

  async push(input: Uint8Array, emit: (data: Uint8Array) => Promise<void>): Promise<void> {
    let i = 0;
    while (i < input.length) {
      switch (this.state) {
        case "size":
        case "trailer": {
          const nl = input.indexOf(LF, i);
          const end = nl < 0 ? input.length : nl;
          this.appendLine(input.subarray(i, end));
          if (nl < 0) return;
          i = nl + 1;
          const line = this.takeLine();
          if (this.state === "size") await this.onSizeLine(line);
          else await this.onTrailerLine(line);
          break;
        }
        case "data": {
          const n = Math.min(this.remaining, input.length - i);
          const slice = input.subarray(i, i + n);
          i += n;
          this.remaining -= n;
          this.decoded += n;
          if (this.chunkDigest) await this.chunkDigest.writer.write(slice);
          await emit(slice);
          if (this.remaining === 0) this.state = "data-cr";
          break;
        }
        case "data-cr": {
          const byte = input[i++];
          if (byte === CR) this.state = "data-lf";
          else if (byte === LF) await this.endChunk();
          else throw incomplete("Malformed aws-chunked body: chunk data is not followed by CRLF");
          break;
        }
        case "data-lf": {
          if (input[i++] !== LF) {
            throw incomplete("Malformed aws-chunked body: chunk data is not followed by CRLF");
          }
          await this.endChunk();
          break;
        }
        case "done": {
          const byte = input[i++];
          if (byte !== CR && byte !== LF) {
            throw incomplete("Malformed aws-chunked body: data after the end of the body");
          }
          break;
        }
      }
    }
  }

  /** Call at the end of the input. Returns the trailers (lower-case names, signature excluded). */
  async end(): Promise<Record<string, string>> {
    if (this.state === "trailer") {
      // Tolerate a missing final CRLF (and a last trailer line without its own).
      if (this.lineLength > 0) await this.onTrailerLine(this.takeLine());
      if (this.state === "trailer") await this.finishTrailers();
    }
    if (this.state !== "done") {
      this.chunkDigest?.writer.abort().catch(() => {});
      throw incomplete("The request body terminated unexpectedly (incomplete aws-chunked encoding)");
    }
    const expected = this.options.decodedLength;
    if (expected !== null && expected !== this.decoded) {
      throw incomplete(
        `You did not provide the number of bytes specified by the x-amz-decoded-content-length header (${expected}); ${this.decoded} were decoded`,
      );
    }
    return Object.fromEntries(this.trailerValues);
  }

  private appendLine(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.lineLength += bytes.length;
    const limit = this.state === "size" ? MAX_SIZE_LINE : MAX_TRAILER_BYTES;
    if (this.lineLength > limit) {
      throw this.state === "size"
        ? incomplete("Malformed aws-chunked body: chunk header line too long")
        : new AuthError("MalformedTrailerError", "The trailing headers are too large");
    }
    this.lineParts.push(bytes);
  }

  private takeLine(): string {
    let line = "";
    for (const part of this.lineParts) {
      for (let j = 0; j < part.length; j++) line += String.fromCharCode(part[j]!);
    }
    this.lineParts = [];
    this.lineLength = 0;
    return line.endsWith("\r") ? line.slice(0, -1) : line;
  }

  private async onSizeLine(line: string): Promise<void> {
    const semi = line.indexOf(";");
    const hex = (semi < 0 ? line : line.slice(0, semi)).trim();
    if (!/^[0-9a-fA-F]{1,13}$/.test(hex)) {
      throw incomplete(`Malformed aws-chunked body: invalid chunk size line '${line.slice(0, 80)}'`);
    }
    const size = parseInt(hex, 16);
    const extension = semi < 0 ? "" : line.slice(semi + 1).trim();
    if (this.options.signing) {
      const m = /^chunk-signature=([0-9a-f]{64})$/.exec(extension);
      if (!m) throw chunkSignatureMismatch("Missing or malformed chunk-signature in aws-chunked body");
      this.pendingSignature = m[1]!;
    }
    const limit = this.options.decodedLength;
    if (limit !== null && this.decoded + size > limit) {
      throw incomplete(`The aws-chunked body carries more than the ${limit} bytes given in x-amz-decoded-content-length`);
    }
    if (size === 0) {
      if (this.options.signing) await this.verifyChunk(EMPTY_SHA256);
      this.state = "trailer";
      return;
    }
    if (this.options.signing) {
      const stream = new crypto.DigestStream("SHA-256");
      stream.digest.catch(() => {}); // rejected if aborted, when nobody awaits it
      this.chunkDigest = { stream, writer: stream.getWriter() };
    }
    this.remaining = size;
    this.state = "data";
  }

  private async endChunk(): Promise<void> {
    if (this.chunkDigest) {
      const { stream, writer } = this.chunkDigest;
      this.chunkDigest = null;
      await writer.close();
      await this.verifyChunk(toHex(await stream.digest));
    }
    this.state = "size";
  }

  private async verifyChunk(chunkHash: string): Promise<void> {
    const signing = this.options.signing!;
    const provided = this.pendingSignature!;
    const stringToSign = [
      "AWS4-HMAC-SHA256-PAYLOAD",
      signing.amzDate,
      signing.credentialScope,
      this.previousSignature,
      EMPTY_SHA256,
      chunkHash,
    ].join("\n");
    if (!timingSafeEqual(await hmacHex(signing.signingKey, stringToSign), provided)) {
      throw chunkSignatureMismatch("The chunk signature we calculated does not match the signature you provided (aws-chunked body)");
    }
    this.previousSignature = provided;
    this.pendingSignature = null;
  }

  private async onTrailerLine(line: string): Promise<void> {
    if (line === "") {
      await this.finishTrailers();
      return;
    }
    if (!this.options.trailers) {
      throw incomplete("Malformed aws-chunked body: data after the final chunk");
    }
    this.trailerBytes += line.length;
    if (this.trailerBytes > MAX_TRAILER_BYTES) {
      throw new AuthError("MalformedTrailerError", "The trailing headers are too large");
    }
    const colon = line.indexOf(":");
    if (colon <= 0) {
      throw new AuthError("MalformedTrailerError", "The request contained trailing data that was not well-formed");
    }
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "x-amz-trailer-signature") {
      // Only meaningful for the signed-trailer mode; unsigned clients may still send one.
      if (this.trailerSignature !== null) {
        throw new AuthError("MalformedTrailerError", "x-amz-trailer-signature given twice");
      }
      this.trailerSignature = value;
      return;
    }
    if (this.trailerSignature !== null) {
      throw new AuthError("MalformedTrailerError", "x-amz-trailer-signature must be the last trailing header");
    }
    if (!this.options.declaredTrailers.includes(name)) {
      throw new AuthError("MalformedTrailerError", `The trailing header ${name} was not declared in x-amz-trailer`);
    }
    if (this.trailerValues.has(name)) {
      throw new AuthError("MalformedTrailerError", `The trailing header ${name} was given twice`);
    }
    this.trailerValues.set(name, value);
    this.trailerCanonical += `${name}:${value}\n`;
  }

  private async finishTrailers(): Promise<void> {
    if (this.options.trailers) {
      for (const name of this.options.declaredTrailers) {
        if (!this.trailerValues.has(name)) {
          throw new AuthError("MalformedTrailerError", `The trailing header ${name} declared in x-amz-trailer is missing`);
        }
      }
      const signing = this.options.signing;
      if (signing) {
        const provided = this.trailerSignature;
        if (provided === null || !/^[0-9a-f]{64}$/.test(provided)) {
          throw chunkSignatureMismatch("Missing or malformed x-amz-trailer-signature");
        }
        const stringToSign = [
          "AWS4-HMAC-SHA256-TRAILER",
          signing.amzDate,
          signing.credentialScope,
          this.previousSignature,
          await sha256Hex(this.trailerCanonical),
        ].join("\n");
        if (!timingSafeEqual(await hmacHex(signing.signingKey, stringToSign), provided)) {
          throw chunkSignatureMismatch("The trailer signature we calculated does not match the signature you provided");
        }
      }
    }
    this.state = "done";
  }
}
