// The channel kinds Steward sends through: each with its settings, message format, sign-in and transport.
import type { ChannelKind } from '../contract/notify-api.js';
import {
  commandChannelSettingsSchema,
  imChannelSettingsSchema,
  smsChannelSettingsSchema,
  teamsChannelSettingsSchema,
} from '../contract/notify-channel-kinds.js';
import { emailChannelSettingsSchema } from '../contract/notify-channels.js';
import type { ChannelDriver } from './channel-driver.js';
import { createCommandTransport } from './channels/command-transport.js';
import { createEmailTransport, emailAccountTypes } from './channels/email-transport.js';
import { createImTransport, imAccountTypes } from './channels/im-transport.js';
import { createSmsTransport, smsAccountTypes } from './channels/sms-transport.js';
import { createTeamsTransport, teamsGraphAccountTypes } from './channels/teams-transport.js';

/** A driver typed by its own settings, kept in the one table of every kind. */
const driver = <S>(d: ChannelDriver<S>) => d as unknown as ChannelDriver;

export const channelDrivers: Record<ChannelKind, ChannelDriver> = {
  email: driver({
    settingsSchema: emailChannelSettingsSchema,
    messageKind: 'email',
    format: (s) => ({ subject: s.subject, body: s.body, bodyIsHtml: s.bodyIsHtml }),
    needsAccount: (s) => s.authentication === 'account',
    accountTypes: (s) => emailAccountTypes(s),
    createTransport: (s) => createEmailTransport(s),
  }),
  im: driver({
    settingsSchema: imChannelSettingsSchema,
    messageKind: 'im',
    format: (s) => ({ body: s.body }),
    needsAccount: (s) => s.authentication === 'account',
    accountTypes: () => imAccountTypes,
    createTransport: (s) => createImTransport(s),
  }),
  sms: driver({
    settingsSchema: smsChannelSettingsSchema,
    messageKind: 'sms',
    format: (s) => ({ body: s.body }),
    // The gateway is always signed in to with the account's user name and password (HTTP Basic).
    needsAccount: () => true,
    accountTypes: () => smsAccountTypes,
    createTransport: (s) => createSmsTransport(s),
  }),
  teams: driver({
    settingsSchema: teamsChannelSettingsSchema,
    messageKind: 'teams',
    format: (s) => ({ body: s.message }),
    // Graph posts as the Run As account (R47); an incoming webhook URL needs none.
    needsAccount: (s) => s.mode === 'graph',
    accountTypes: (s) => (s.mode === 'graph' ? teamsGraphAccountTypes : []),
    createTransport: (s) => createTeamsTransport(s),
  }),
  command: driver({
    settingsSchema: commandChannelSettingsSchema,
    // R41: command channels produce no message; their arguments are templates of the alert fields.
    messageKind: undefined,
    format: () => ({}),
    needsAccount: () => false,
    accountTypes: () => [],
    createTransport: (s) => createCommandTransport(s),
  }),
};
