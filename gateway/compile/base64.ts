/**
 * Base64 decoding for protobuf `bytes` fields written in YAML.
 * @module
 */
import { Buffer } from "node:buffer";

/** Decodes standard or URL-safe base64 into bytes. */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(text, "base64"));
}
