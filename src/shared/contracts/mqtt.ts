/**
 * What arrives from the MQTT broker: commands (`PREFIX/CAMERA/detect/set`) and Home Assistant's
 * birth message (`homeassistant/status`). Each payload is validated here; anything else is refused
 * with a line in the log and nothing else changes.
 */
import { z } from 'zod';

/** `PREFIX/CAMERA/detect/set`: ON or OFF, as Frigate and Home Assistant's switch send them. */
export const DetectCommand = z.enum(['ON', 'OFF'], { message: 'the payload must be ON or OFF' });
export type DetectCommand = z.infer<typeof DetectCommand>;

/** `homeassistant/status`: Home Assistant's birth and last-will messages. */
export const HomeAssistantStatus = z.enum(['online', 'offline'], { message: 'the payload must be online or offline' });
export type HomeAssistantStatus = z.infer<typeof HomeAssistantStatus>;

/** Payloads over this many bytes are refused before they are read as text. */
export const MAX_COMMAND_BYTES = 64;

/** A command's payload as text, or why it is refused. */
export function commandText(payload: Uint8Array): { ok: true; text: string } | { ok: false; error: string } {
  if (payload.byteLength > MAX_COMMAND_BYTES) return { ok: false, error: `the payload has ${payload.byteLength} bytes, at most ${MAX_COMMAND_BYTES}` };
  return { ok: true, text: new TextDecoder().decode(payload).trim() };
}
