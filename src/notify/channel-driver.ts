// What the notifier needs of each channel kind: its settings schema, its message format, whether it signs
// in with a Run As account and of which types, and a transport made from its settings.
import type { z } from 'zod';
import type { AccountType } from '../contract/accounts.js';
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
  /** The account types it signs in with when it needs an account (R37, R47); its transport refuses others. */
  accountTypes(settings: S): readonly AccountType[];
  createTransport(settings: S): Transport;
}
