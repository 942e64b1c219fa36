// What the notification sender keeps for each version of a channel (its row's `updatedAt`): the settings its
// kind's schema checked, and its transport (where pooled, signed-in connections live). A channel changed since
// is checked again and gets a new transport; the old one is closed.
import type { ChannelDriver } from '../../../notify/channel-driver.js';
import type { Transport } from '../../../notify/channels/transport.js';
import type * as configRepo from './notify-config-repo.js';

/** A channel's settings as its kind's schema completed them. */
export type ChannelSettings = Record<string, unknown>;
type SettingsCheck = ReturnType<ChannelDriver['settingsSchema']['safeParse']>;

export function createChannelVersions() {
  const checked = new Map<string, { stamp: number; parsed: SettingsCheck }>();
  const transports = new Map<string, { stamp: number; transport: Transport }>();

  return {
    /** The channel's settings checked by its kind's schema: once per version, not once per message. */
    settingsOf(channel: configRepo.ChannelRow, driver: ChannelDriver): SettingsCheck {
      const stamp = channel.updatedAt.getTime();
      const have = checked.get(channel.id);
      if (have && have.stamp === stamp) return have.parsed;
      const parsed = driver.settingsSchema.safeParse(channel.settings);
      checked.set(channel.id, { stamp, parsed });
      return parsed;
    },

    transportFor(
      channel: configRepo.ChannelRow,
      driver: ChannelDriver,
      settings: ChannelSettings,
    ): Transport {
      const stamp = channel.updatedAt.getTime();
      const have = transports.get(channel.id);
      if (have && have.stamp === stamp) return have.transport;
      void have?.transport.close?.();
      const transport = driver.createTransport(settings);
      transports.set(channel.id, { stamp, transport });
      return transport;
    },

    /** Closes the transports (their pooled connections); the next send opens them again. */
    async close() {
      for (const t of transports.values()) await t.transport.close?.();
      transports.clear();
    },
  };
}
