import type { AuditEntry, Store } from '../store/store';

/** Longest attacker-controlled text (issuer, subject, reason) an unauthenticated request may put into the audit log. */
export const MAX_AUDIT_TEXT = 128;

/** `value` cut to MAX_AUDIT_TEXT characters, marked when cut; null and undefined stay null. */
export function auditText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const text = String(value);
  return text.length <= MAX_AUDIT_TEXT ? text : `${text.slice(0, MAX_AUDIT_TEXT - 1)}…`;
}

export interface RefusalAuditOptions {
  /** Rows written in full per client address and rule within one window; the rest are counted. */
  perKey: number;
  windowMs: number;
  now: () => number;
}

const DEFAULTS: RefusalAuditOptions = { perKey: 3, windowMs: 60_000, now: () => Date.now() };
/** At most this many windows are tracked; beyond it, the oldest are summarised early. */
const MAX_TRACKED = 10_000;

interface RefusalWindow {
  event: string;
  clientIp: string;
  rule: string;
  startedAt: number;
  written: number;
  suppressed: number;
}

/**
 * Audit rows for refused unauthenticated SAML requests (/saml/sso, /saml/slo, /saml/ecp). The audit
 * log is append-only, so a flood of refusals would grow it without bound: per client address and
 * rule, the first `perKey` refusals of each minute are written in full (attacker-controlled text
 * cut to 128 characters), the rest only counted, and when the minute is over one
 * `audit.suppressed` row says how many were left out. Counting is in memory, per process (each
 * worker keeps its own windows), which bounds the rows per address to
 * workers × rules × (perKey + 1) a minute.
 */
export class RefusalAudit {
  private readonly windows = new Map<string, RefusalWindow>();
  private readonly options: RefusalAuditOptions;
  private timer: NodeJS.Timeout | null = null;
  private lastFlush = 0;

  constructor(
    private readonly store: Pick<Store, 'appendAudit'>,
    options: Partial<RefusalAuditOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** Writes the refusal, or counts it when this address already had `perKey` of this rule in the current window. */
  async record(entry: AuditEntry & { clientIp: string; rule: string }): Promise<void> {
    const now = this.options.now();
    // Windows end by the minute, so looking for finished ones once a second is enough.
    if (now - this.lastFlush >= 1000) await this.flush(now);
    const key = `${entry.event}\u0000${entry.clientIp}\u0000${entry.rule}`;
    let window = this.windows.get(key);
    if (!window) {
      if (this.windows.size >= MAX_TRACKED) await this.flushOldest();
      window = { event: entry.event, clientIp: entry.clientIp, rule: entry.rule, startedAt: now, written: 0, suppressed: 0 };
      this.windows.set(key, window);
      this.startTimer();
    }
    if (window.written >= this.options.perKey) {
      window.suppressed++;
      return;
    }
    window.written++;
    const details = { ...(entry.details ?? {}) };
    for (const name of ['sp', 'reason', 'requestId', 'username']) if (name in details) details[name] = auditText(details[name]);
    await this.store.appendAudit({
      event: entry.event,
      actor: auditText(entry.actor) ?? 'anonymous',
      subject: auditText(entry.subject),
      clientIp: entry.clientIp,
      details: { ...details, rule: auditText(entry.rule) },
    });
  }

  /** Summarises every window that is over (each with suppressed refusals gets one row) and forgets it. */
  async flush(now = this.options.now()): Promise<void> {
    this.lastFlush = now;
    for (const [key, window] of this.windows) {
      if (now - window.startedAt < this.options.windowMs) continue;
      this.windows.delete(key);
      await this.summarise(window, now);
    }
    if (this.windows.size === 0) this.stopTimer();
  }

  private async flushOldest(): Promise<void> {
    const [key, window] = this.windows.entries().next().value as [string, RefusalWindow];
    this.windows.delete(key);
    await this.summarise(window, this.options.now());
  }

  private async summarise(window: RefusalWindow, now: number): Promise<void> {
    if (window.suppressed === 0) return;
    await this.store.appendAudit({
      event: 'audit.suppressed',
      actor: 'anonymous',
      subject: null,
      clientIp: window.clientIp,
      details: {
        of: window.event,
        rule: auditText(window.rule),
        suppressed: window.suppressed,
        from: new Date(window.startedAt).toISOString(),
        to: new Date(now).toISOString(),
      },
    });
  }

  /** A quiet address still gets its summary: windows are checked once a minute (unref'd: never keeps the process alive). */
  private startTimer(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush().catch(() => undefined), this.options.windowMs);
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

const perStore = new WeakMap<object, RefusalAudit>();

/** The one RefusalAudit of a store in this process, shared by the SSO, SLO and ECP endpoints. */
export function refusalAuditFor(store: Pick<Store, 'appendAudit'>): RefusalAudit {
  let audit = perStore.get(store);
  if (!audit) perStore.set(store, (audit = new RefusalAudit(store)));
  return audit;
}
