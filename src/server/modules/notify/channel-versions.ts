// What the notification sender keeps for each version of a channel (its row's `updatedAt`): the settings its
// kind's schema checked, and its transport (where pooled, signed-in connections live). A channel changed since
// is checked again and gets a new transport; the old one is closed.
import type { ChannelDriver } from '../../../notify/channel-driver.js';
import type { Transport } from '../../../notify/channels/transport.js';
import type * as configRepo from './notify-config-repo.js';

/** A channel's settings as its kind's schema completed them. */
export type ChannelSettings = Record<string, unknown>;
type SettingsCheck = ReturnType<ChannelDriver['settingsSchema']['safeParse']>;

interface Version {
  stamp: number;
  parsed: SettingsCheck;
  transport?: Transport;
}

export function createChannelVersions() {
  const versions = new Map<string, Version>();

  /** What is kept for the channel as it is now: a version older than the row is dropped, its transport closed. */
  function current(channel: configRepo.ChannelRow, driver: ChannelDriver): Version {
    const stamp = channel.updatedAt.getTime();
    const have = versions.get(channel.id);
    if (have && have.stamp === stamp) return have;
    void have?.transport?.close?.();
    const version = { stamp, parsed: driver.settingsSchema.safeParse(channel.settings) };
    versions.set(channel.id, version);
    return version;
  }

  return {
    /** The channel's settings checked by its kind's schema: once per version, not once per message. */
    settingsOf: (channel: configRepo.ChannelRow, driver: ChannelDriver): SettingsCheck =>
      current(channel, driver).parsed,

    /** The channel's transport, made from `settings` (its checked settings) once per version. */
    transportFor(
      channel: configRepo.ChannelRow,
      driver: ChannelDriver,
      settings: ChannelSettings,
    ): Transport {
      const version = current(channel, driver);
      version.transport ??= driver.createTransport(settings);
      return version.transport;
    },

    /** Closes the transports (their pooled connections); the next send opens them again. */
    async close() {
      for (const version of versions.values()) {
        await version.transport?.close?.();
        version.transport = undefined;
      }
    },
  };
}
