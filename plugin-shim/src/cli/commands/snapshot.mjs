// snapshot: read the users, groups, last logins and roles from Jira DC into a Snapshot file.
import { writeSecure } from '../../runner/files.mjs';
import { parseCommand } from '../args.mjs';
import { EXIT_OK } from '../errors.mjs';
import { readInput } from '../io.mjs';
import { sanitize } from '../text.mjs';
import { requireFlags } from './shared.mjs';
import { connect } from '../runner.mjs';

export async function snapshot(argv, ctx) {
  const { values } = parseCommand('snapshot', argv);
  requireFlags(values, ['jira'], 'snapshot');
  const csv = values['last-login-csv'] !== undefined ? readInput(values['last-login-csv'], 'last-login CSV') : undefined;
  const { host, doneReading } = await connect(ctx, values.jira);
  await host.assertAdmin();
  const snap = await host.snapshot(csv !== undefined ? { lastLoginCsv: csv } : {});
  doneReading();
  const text = `${JSON.stringify(snap, null, 2)}\n`;
  if (values.out === undefined || values.out === '-') {
    ctx.io.out(text.trimEnd());
    return EXIT_OK;
  }
  writeSecure(values.out, text);
  const roles = snap.applicationRoles?.length ?? 0;
  ctx.io.err(sanitize(`snapshot: ${snap.users?.length ?? 0} users, ${roles} application roles, captured ${snap.capturedAt} → ${values.out}`));
  return EXIT_OK;
}
