import { Router, type Request, type Response } from 'express';
import { csrfTokenOf } from '../csrf';
import { HttpError } from '../httpError';
import { queryValue, type AdminDeps } from './adminCommon';
import type { AuditRecord } from '../../store/store';
import type { AuditSearch } from '../../store/consoleStore';

const PAGE_ROWS = 500;
const CSV_ROWS = 100_000;

/** `2026-11-24`, `2026-11-24T09:30` (a datetime-local field, read as UTC) or a full ISO instant → ISO instant. */
export function parseAuditTime(raw: string, name: string): string | undefined {
  const value = raw.trim();
  if (value === '') return undefined;
  const normalised = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value) ? `${value}Z` : value;
  const time = Date.parse(normalised);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(time)) {
    throw new HttpError(400, 'Bad filter', `"${value.slice(0, 40)}" in "${name}" is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC).`);
  }
  return new Date(time).toISOString();
}

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break; and a leading
 * = + - @ (or tab/CR) is prefixed with ' so a spreadsheet shows the text instead of running it as a
 * formula (OWASP CSV injection) — audit fields carry user-chosen text such as usernames.
 */
export function csvField(value: unknown): string {
  let text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function auditCsv(rows: AuditRecord[]): string {
  const header = ['id', 'at', 'event', 'actor', 'subject', 'client_ip', 'sp', 'details'];
  const lines = rows.map((r) => [r.id, r.at, r.event, r.actor, r.subject, r.clientIp, r.details.sp ?? '', r.details].map(csvField).join(','));
  return [header.join(','), ...lines].join('\r\n') + '\r\n';
}

/** Admin console, audit log: filter by user, SP, event and time; export what the filter shows as CSV. */
export function adminAuditRoutes(deps: AdminDeps): Router {
  const router = Router();
  const { consoleStore } = deps.adminConsole;

  router.get('/audit', async (req: Request, res: Response) => {
    const filters = { user: queryValue(req, 'user').trim(), sp: queryValue(req, 'sp').trim(), event: queryValue(req, 'event').trim(), from: queryValue(req, 'from'), to: queryValue(req, 'to') };
    for (const [name, value] of Object.entries(filters)) {
      if (value.length > 1024) throw new HttpError(400, 'Bad filter', `The "${name}" filter is too long.`);
    }
    const csv = queryValue(req, 'format') === 'csv';
    const search: AuditSearch = {
      user: filters.user ? filters.user.toLowerCase() : undefined,
      sp: filters.sp || undefined,
      event: filters.event || undefined,
      from: parseAuditTime(filters.from, 'from'),
      to: parseAuditTime(filters.to, 'to'),
      limit: csv ? CSV_ROWS : PAGE_ROWS,
    };
    const rows = await consoleStore.searchAudit(search);
    if (csv) {
      await deps.store.appendAudit({ event: 'admin.audit.export', actor: req.user!.username, clientIp: req.ip ?? null, details: { filters, rows: rows.length } });
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="sesame-audit-${new Date().toISOString().slice(0, 10)}.csv"`);
      return res.send(auditCsv(rows));
    }
    const query = new URLSearchParams({ ...Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== '')), format: 'csv' });
    res.render('admin/audit', {
      title: 'Audit log',
      section: 'audit',
      user: req.user,
      csrfToken: csrfTokenOf(req),
      filters,
      rows: rows.map((r) => ({ ...r, detailsText: JSON.stringify(r.details) })),
      truncated: rows.length === PAGE_ROWS,
      csvHref: `/admin/audit?${query.toString()}`,
    });
  });

  return router;
}
