import { existsSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { TesseraError } from '../errors.js'
import { describeSource, importDjangoUsers, readDjangoUsers, type ImportReport } from '../migrate/index.js'
import { openStore, parseDatabaseUrl, type OpenedStore } from '../store/index.js'
import type { Command } from './commands.js'
import { loadSettings } from './settings.js'

/**
 * Tessera's database for the import. A dry run must write nothing, not even a schema: a database that
 * does not exist yet, or has no tables yet, is read as the empty one it would be after `migrate`.
 */
async function openTarget(url: string, dryRun: boolean): Promise<OpenedStore> {
  if (!dryRun) {
    const opened = await openStore(url)
    await opened.migrate()
    return opened
  }
  const target = parseDatabaseUrl(url)
  let opened = target.dialect === 'sqlite' && target.location !== ':memory:' && !existsSync(target.location) ? undefined : await openStore(url)
  if (opened && !(await opened.db.introspection.getTables()).some((t) => t.name === 'auth_user')) {
    await opened.store.close()
    opened = undefined
  }
  if (!opened) {
    opened = await openStore(':memory:')
    await opened.migrate()
  }
  return opened
}

const names = (list: readonly string[]) => (list.length > 5 ? `${list.slice(0, 5).join(', ')} and ${list.length - 5} more` : list.join(', '))

/** The report as lines for the terminal: counts first, then what the operator must know. */
export function formatReport(report: ImportReport, from: string, table: string): { out: string[]; warnings: string[] } {
  const out = [
    `Read ${report.read} user(s) from ${table} in ${from}.`,
    `${report.dryRun ? 'Would create' : 'Created'} ${report.created}, ${report.dryRun ? 'update' : 'updated'} ${report.updated}, unchanged ${report.unchanged}.${report.dryRun ? ' (dry run: nothing was written)' : ''}`,
  ]
  if (report.allauth.users > 0) out.push(`Took the email address of ${report.allauth.users} user(s) from django-allauth's account_emailaddress (${report.allauth.verified} verified).`)
  if (report.passwordsKept.length > 0) {
    out.push(`Kept the Tessera password of ${report.passwordsKept.length} user(s) who logged in to or changed it in Tessera since (${names(report.passwordsKept)}); --overwrite-passwords replaces them with Django's.`)
  }
  if (report.revokedUsers.length > 0) out.push(`Revoked the Tessera sessions of ${report.revokedUsers.length} user(s) deactivated or with a new password in Django (${names(report.revokedUsers)}).`)
  const warnings: string[] = []
  if (report.idMismatches.length > 0) {
    const list = report.idMismatches.map((m) => `${m.username}: Django ${m.djangoId}, Tessera ${m.tesseraId ?? 'new'}`)
    warnings.push(
      `${report.idMismatches.length} user(s) do not have their Django id in Tessera (${names(list)}). ` +
        'Tokens name users by id: do not turn on SIMPLEJWT_COMPAT, and do not let Django accept Tessera tokens, until every id matches.',
    )
  }
  if (report.nameCollisions.length > 0) {
    const list = report.nameCollisions.map((c) => `${c.username} (Django ${c.djangoId}) is taken by ${c.takenBy}`)
    warnings.push(
      `${report.nameCollisions.length} user(s) were not imported: Tessera's usernames are unique without regard to case or width (${names(list)}). ` +
        'Nothing was merged: rename them in Django (or rename the Tessera account: tessera renameuser) and import again.',
    )
  }
  if (report.costlyHashes.length > 0) {
    const list = report.costlyHashes.map((c) => `${c.username}: ${c.detail}`)
    warnings.push(
      `${report.costlyHashes.length} user(s) were not imported: their password hash costs more to check than Tessera allows (${names(list)}). ` +
        "Let them log in to Django once with Django's default hasher settings (Django rehashes at login), or reset their passwords, and import again.",
    )
  }
  return { out, warnings }
}

export const importDjangoCommand: Command = {
  summary: "import a Django project's users (auth_user, and django-allauth's account_emailaddress when present), keeping their ids and password hashes",
  usage: '--from <sqlite file | postgres://URL> [--table auth_user] [--dry-run] [--overwrite-passwords]',
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        from: { type: 'string' },
        table: { type: 'string', default: 'auth_user' },
        'dry-run': { type: 'boolean', default: false },
        'overwrite-passwords': { type: 'boolean', default: false },
      },
      strict: true,
    })
    if (!values.from) throw new TesseraError('ERR_VALIDATION', '--from is required: the Django database (a SQLite file or a postgres:// URL)')
    const from = describeSource(values.from)
    // The source first: a wrong --from fails before Tessera's database is touched.
    const users = await readDjangoUsers(values.from, { table: values.table })
    const { config } = loadSettings()
    const opened = await openTarget(config.database.url, values['dry-run'])
    let report: ImportReport
    try {
      report = await importDjangoUsers(opened.store, users, { dryRun: values['dry-run'], overwritePasswords: values['overwrite-passwords'] })
    } finally {
      await opened.store.close()
    }
    const lines = formatReport(report, from.display, values.table)
    for (const line of lines.out) console.log(line)
    for (const line of lines.warnings) console.error(`warning: ${line}`)
  },
}
