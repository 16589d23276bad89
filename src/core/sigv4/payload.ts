/** Payload modes named by x-amz-content-sha256, and the headers the streaming modes need. */
import { AuthError } from "./errors";
import { STREAMING_SIGNED, STREAMING_SIGNED_TRAILER, STREAMING_UNSIGNED_TRAILER, UNSIGNED_PAYLOAD, type PayloadMode } from "./types";

export function payloadMode(hash: string): PayloadMode {
  switch (hash) {
    case UNSIGNED_PAYLOAD:
      return "unsigned";
    case STREAMING_SIGNED:
      return "streaming-signed";
    case STREAMING_SIGNED_TRAILER:
      return "streaming-signed-trailer";
    case STREAMING_UNSIGNED_TRAILER:
      return "streaming-unsigned-trailer";
    default:
      return "sha256";
  }
}

export function streamingFacts(mode: PayloadMode, request: Request): { decodedContentLength: number | null; trailerNames: string[] } {
  if (!mode.startsWith("streaming-")) return { decodedContentLength: null, trailerNames: [] };
  const decoded = request.headers.get("x-amz-decoded-content-length");
  if (decoded === null) {
    throw new AuthError("MissingContentLength", "You must provide the x-amz-decoded-content-length header for an aws-chunked upload.");
  }
  if (!/^\d{1,15}$/.test(decoded.trim())) {
    throw new AuthError("InvalidArgument", "x-amz-decoded-content-length must be a non-negative integer", {
      ArgumentName: "x-amz-decoded-content-length",
      ArgumentValue: decoded,
    });
  }
  const trailerNames = (request.headers.get("x-amz-trailer") ?? "")
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== "");
  if (mode !== "streaming-signed" && trailerNames.length === 0) {
    throw new AuthError("InvalidRequest", "x-amz-trailer must name the trailing headers of a *-TRAILER payload");
  }
  return { decodedContentLength: Number(decoded.trim()), trailerNames };
}
