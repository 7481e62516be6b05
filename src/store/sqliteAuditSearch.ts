import type Database from 'better-sqlite3';
import type { AuditRecord } from './store';
import type { AuditSearch } from './consoleStore';

/** The audit log searched the one way both the `sesame audit` command and the admin console use. */
export interface AuditQuery extends AuditSearch {
  /** Entries this user made (actor), whoever they were about. */
  actor?: string;
}

const MAX_ROWS = 100_000;

/** Newest first, at most `limit` entries matching every given filter. */
export function searchAuditLog(db: Database.Database, filter: AuditQuery): AuditRecord[] {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.actor) {
    where.push('actor = ?');
    params.push(filter.actor);
  }
  if (filter.user) {
    where.push('(actor = ? OR subject = ?)');
    params.push(filter.user, filter.user);
  }
  if (filter.sp) {
    where.push(`json_extract(details, '$.sp') = ?`);
    params.push(filter.sp);
  }
  if (filter.event) {
    const prefix = filter.event.endsWith('*') ? filter.event.slice(0, -1) : filter.event.endsWith('.') ? filter.event : null;
    if (prefix !== null) {
      // substr comparison, not LIKE: event names may contain _ or %, which LIKE would treat as wildcards.
      where.push('substr(event, 1, ?) = ?');
      params.push(prefix.length, prefix);
    } else {
      where.push('event = ?');
      params.push(filter.event);
    }
  }
  if (filter.from) {
    where.push('at >= ?');
    params.push(filter.from);
  }
  if (filter.to) {
    where.push('at < ?');
    params.push(filter.to);
  }
  params.push(Math.max(1, Math.min(filter.limit, MAX_ROWS)));
  const sql = `SELECT * FROM audit_log ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ?`;
  const rows = db.prepare(sql).all(...params) as Array<{
    id: number; at: string; event: string; actor: string; subject: string | null; client_ip: string | null; details: string;
  }>;
  return rows.map((row) => ({
    id: row.id,
    at: row.at,
    event: row.event,
    actor: row.actor,
    subject: row.subject,
    clientIp: row.client_ip,
    details: JSON.parse(row.details) as Record<string, unknown>,
  }));
}
