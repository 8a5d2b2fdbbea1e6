// The process-wide list of secrets that every redaction removes: an error or a log line about one
// account may quote another account's token (a proxy quoting its last request, a shared client's
// error), so redacting only the failing account's own secrets is not enough.

/** Where a registration's secrets come from: read at each redaction, so that a token replaced a moment ago counts. */
export type SecretSource = () => Iterable<string | undefined>;

/**
 * How many values each source's history keeps besides what it yields now: a token or ticket
 * just replaced (classic mode: the previous access_token works 5 more minutes) is still a
 * secret, but no value is kept forever.
 */
export const SECRET_HISTORY = 12;

interface Registration {
  read(): SecretSource | undefined;
  /** Values the source yielded or was told of lately, newest last, at most {@link SECRET_HISTORY}. */
  history: string[];
}

const registrations = new Set<Registration>();
// The registration of each source, so that callWechatApi can add what WeChat just issued.
const bySource = new WeakMap<SecretSource, Registration>();

function note(registration: Registration, value: string | undefined): void {
  if (!value) return;
  const { history } = registration;
  const at = history.indexOf(value);
  if (at === history.length - 1 && at !== -1) return;
  if (at !== -1) history.splice(at, 1);
  history.push(value);
  if (history.length > SECRET_HISTORY) history.shift();
}

function add(registration: Registration, source: SecretSource): () => void {
  registrations.add(registration);
  bySource.set(source, registration);
  return () => {
    registrations.delete(registration);
    registration.history.length = 0;
  };
}

/**
 * Adds `source` to the secrets that every redaction of this process removes: the errors and
 * `onError` events of every signer (`WechatApiError` messages, `status().lastError`) and the
 * service's log lines. `source` is called at each redaction (keep it cheap, and free of side
 * effects); each value it yields is also remembered, with the {@link SECRET_HISTORY} latest, so
 * that a value it stopped yielding a moment ago is still redacted. Values shorter than 8
 * characters are not searched for (they would match ordinary words); real appSecrets, tokens
 * and API keys are 32 characters or more.
 *
 * Held until the returned function is called, which forgets the source and its history.
 * @example
 * const apiKeys = readApiKeys();
 * registerSecrets(() => apiKeys);
 */
export function registerSecrets(source: SecretSource): () => void {
  const registration: Registration = { read: () => source, history: [] };
  return add(registration, source);
}

/**
 * {@link registerSecrets} for a signer's own secrets, held only as long as `source` is reachable:
 * a signer that is dropped leaves nothing behind. Returns `source`.
 */
export function watchSecrets<S extends SecretSource>(source: S): S {
  const ref = new WeakRef(source);
  add({ read: () => ref.deref(), history: [] }, source);
  return source;
}

/**
 * Remembers `value` (a token or ticket WeChat just issued) as a secret of `source`'s registration,
 * before the cache that will hold it is even written. Does nothing for a source never registered.
 */
export function rememberSecret(source: SecretSource, value: string): void {
  const registration = bySource.get(source);
  if (registration) note(registration, value);
}

/**
 * Every secret this process knows now: what each registered source yields, and each one's
 * recent history. Distinct, longest first (so that a secret containing another is replaced
 * whole). A source that throws (a signer still being built) gives its history only.
 */
export function knownSecrets(): string[] {
  const all = new Set<string>();
  for (const registration of registrations) {
    const source = registration.read();
    if (!source) {
      // Its signer was collected: forget it and what it held.
      registrations.delete(registration);
      continue;
    }
    try {
      for (const value of source()) note(registration, value);
    } catch {
      // Read again at the next redaction.
    }
    for (const value of registration.history) all.add(value);
  }
  return [...all].sort((a, b) => b.length - a.length);
}
