// Opens what a server or an admin command needs from configuration: the database (migrated) and the root keys.
import { join } from 'node:path';
import { createKeyring, type Keyring, type RootKeySource } from '../crypto/keyring.js';
import { envRootKeys, type FileRootKeys, openFileRootKeys } from '../crypto/root-key-files.js';
import { createDb, type Database } from '../store/db.js';
import { migrate } from '../store/migrate.js';
import type { ServerConfig } from './config.js';

export interface Storage {
  database: Database;
  keyring: Keyring;
  rootKeys: RootKeySource;
  /** Present when the root key lives in the data directory rather than STEWARD_ROOT_KEY. */
  fileKeys: FileRootKeys | undefined;
  migrations: string[];
}

export async function openStorage(config: ServerConfig): Promise<Storage> {
  const fileKeys = config.rootKey ? undefined : openFileRootKeys(config.dataDir);
  const rootKeys = config.rootKey ? envRootKeys(config.rootKey, config.previousRootKey) : fileKeys!;
  const database = await createDb(
    config.databaseUrl
      ? { kind: 'postgres', url: config.databaseUrl }
      : { kind: 'pglite', dataDir: join(config.dataDir, 'pglite') },
  );
  const migrations = await migrate(database);
  return { database, keyring: createKeyring(rootKeys), rootKeys, fileKeys, migrations };
}
