// What the notifier needs of each channel kind: its settings schema, its message format, whether it signs
// in with a Run As account, and a transport made from its settings.
import type { z } from 'zod';
import type { ChannelFormat, MessageChannelKind } from '../domain/notify/templates.js';
import type { Transport } from './channels/transport.js';

export interface ChannelDriver<S = Record<string, unknown>> {
  /** Validates and completes (defaults) the settings a person gives. */
  settingsSchema: z.ZodType<S>;
  /** The message kind for templates and default formats (R41); undefined: no message (command). */
  messageKind: MessageChannelKind | undefined;
  format(settings: S): ChannelFormat;
  /** Whether the channel signs in with the account of its Run As profile. */
  needsAccount(settings: S): boolean;
  createTransport(settings: S): Transport;
}
