/**
 * The local login's user directory: the demo users of api.md when demo data
 * is on, nobody otherwise. Passwords are never compared as strings: the demo
 * password is hashed with scrypt once at start, every attempt is hashed with
 * the same salt and compared with timingSafeEqual, and an unknown user costs
 * the same hash as a known one, so timing tells nothing.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { AuthUser } from '@baedal/platform';
import { DEMO_PASSWORD, demoUsers } from '@baedal/platform/contracts/demo';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;
const KEY_LENGTH = 32;

interface Account {
  user: AuthUser;
  hash: Buffer;
}

export class Credentials {
  private readonly accounts: Map<string, Account>;
  private readonly salt: Buffer;
  /** Compared against when the username is unknown, so both paths do the same work. */
  private readonly decoy: Buffer;

  private constructor(salt: Buffer, decoy: Buffer, accounts: Map<string, Account>) {
    this.salt = salt;
    this.decoy = decoy;
    this.accounts = accounts;
  }

  /** Builds the directory; `demoData` false gives one where every login fails. */
  static async create(opts: { demoData: boolean }): Promise<Credentials> {
    const salt = randomBytes(16);
    const decoy = await scryptAsync(randomBytes(16).toString('hex'), salt, KEY_LENGTH);
    const accounts = new Map<string, Account>();
    if (opts.demoData) {
      const hash = await scryptAsync(DEMO_PASSWORD, salt, KEY_LENGTH);
      for (const u of demoUsers) {
        const user: AuthUser = {
          id: u.id,
          username: u.username,
          role: u.role,
          ...(u.storeId ? { storeId: u.storeId } : {}),
        };
        accounts.set(u.username, { user, hash });
      }
    }
    return new Credentials(salt, decoy, accounts);
  }

  /** How many accounts there are to log in to (none without demo data). */
  get size(): number {
    return this.accounts.size;
  }

  /** The user when username and password match, otherwise null. */
  async verify(username: string, password: string): Promise<AuthUser | null> {
    const account = this.accounts.get(username);
    const attempt = await scryptAsync(password, this.salt, KEY_LENGTH);
    const matches = timingSafeEqual(attempt, account?.hash ?? this.decoy);
    return matches && account ? account.user : null;
  }
}
