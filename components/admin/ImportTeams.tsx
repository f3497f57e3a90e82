'use client';
/**
 * Importing AWS teams from the file(s) `cdk deploy --outputs-file` wrote: the server previews which
 * teams would be created and which stacks skipped (and why) before the organiser confirms
 * (POST /api/admin/teams/import, docs/api.md → Importing teams).
 */
import { type ChangeEvent, useState } from 'react';
import type { ImportResult } from '@/lib/api/team-import';
import { Notice, Panel } from '../ui';
import type { Act } from './AdminConsole';
import { callApi } from './call-api';
import { Button, Field } from './controls';

interface Upload {
  fileNames: string[];
  body: unknown;
  preview: ImportResult;
}

const URL = '/api/admin/teams/import';

function accountOf(roleArn: string): string {
  return /^arn:aws[a-z-]*:iam::(\d{12}):/.exec(roleArn)?.[1] ?? '';
}

export function ImportTeams({ act }: { act: Act }) {
  const [upload, setUpload] = useState<Upload | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [inputKey, setInputKey] = useState(0);

  async function choose(event: ChangeEvent<HTMLInputElement>) {
    const files = [...(event.currentTarget.files ?? [])];
    setUpload(null);
    setProblem(null);
    if (!files.length) return;
    const parsed: unknown[] = [];
    for (const file of files) {
      try {
        parsed.push(JSON.parse(await file.text()));
      } catch {
        setProblem(`${file.name} is not JSON: choose the file that cdk deploy --outputs-file wrote.`);
        return;
      }
    }
    const body = parsed.length === 1 ? parsed[0] : parsed;
    setBusy(true);
    const result = await callApi<ImportResult>('POST', `${URL}?preview=1`, body);
    setBusy(false);
    if (!result.ok || !result.data) setProblem(result.message);
    else setUpload({ fileNames: files.map((file) => file.name), body, preview: result.data });
  }

  async function confirm() {
    if (!upload) return;
    setBusy(true);
    const count = upload.preview.created.length;
    const ok = await act('POST', URL, upload.body, `Imported ${count} team${count === 1 ? '' : 's'} from the cdk outputs.`);
    setBusy(false);
    if (ok) {
      setUpload(null);
      setInputKey(inputKey + 1);
    }
  }

  const source = (file: number | undefined) => (file === undefined || !upload ? '' : ` (${upload.fileNames[file] ?? `file ${file}`})`);
  const teams = upload?.preview.preview?.teams ?? [];

  return (
    <Panel title="Import from cdk outputs">
      <div className="space-y-3" data-testid="import-teams">
        <Field
          label="Outputs file(s)"
          hint="What cdk deploy --outputs-file wrote: one file for all prefixed stacks, or one per account. Nothing is created before you confirm."
        >
          <input
            key={inputKey}
            type="file"
            accept=".json,application/json"
            multiple
            onChange={choose}
            disabled={busy}
            className="block w-full text-sm text-slate-300 file:mr-3 file:rounded-lg file:border-0 file:bg-slate-800 file:px-3 file:py-2 file:text-sm file:font-semibold file:text-slate-100"
          />
        </Field>
        {problem && <Notice tone="error">{problem}</Notice>}
        {upload && (
          <>
            <p className="text-sm text-slate-300" data-testid="import-summary">
              {teams.length} team{teams.length === 1 ? '' : 's'} would be created, {upload.preview.skipped.length} stack
              {upload.preview.skipped.length === 1 ? '' : 's'} skipped.
            </p>
            {teams.length > 0 && (
              <div className="max-h-72 overflow-auto">
                <table className="w-full text-left text-sm" data-testid="import-create">
                  <thead className="text-xs text-slate-400 uppercase">
                    <tr>
                      <th className="py-1 pr-3">Slug</th>
                      <th className="py-1 pr-3">Region</th>
                      <th className="py-1 pr-3">Account</th>
                      <th className="py-1">Stack</th>
                    </tr>
                  </thead>
                  <tbody>
                    {teams.map((team) => (
                      <tr key={`${team.file ?? ''}:${team.stack}`} className="border-t border-slate-800">
                        <td className="py-1 pr-3 font-mono">{team.slug}</td>
                        <td className="py-1 pr-3">{team.region}</td>
                        <td className="py-1 pr-3 tabular-nums">{accountOf(team.roleArn)}</td>
                        <td className="py-1 break-all text-slate-400">
                          {team.stack}
                          {source(team.file)}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            {upload.preview.skipped.length > 0 && (
              <ul className="max-h-48 space-y-1 overflow-auto text-sm text-amber-200" data-testid="import-skip">
                {upload.preview.skipped.map((skip) => (
                  <li key={`${skip.file ?? ''}:${skip.stack}`} className="break-all">
                    <span className="font-mono">{skip.stack}</span>
                    {source(skip.file)}: {skip.reason}
                  </li>
                ))}
              </ul>
            )}
            <div className="flex gap-2">
              <Button tone="primary" disabled={busy || teams.length === 0} onClick={confirm}>
                {busy ? 'Importing…' : `Import ${teams.length} team${teams.length === 1 ? '' : 's'}`}
              </Button>
              <Button
                onClick={() => {
                  setUpload(null);
                  setInputKey(inputKey + 1);
                }}
              >
                Cancel
              </Button>
            </div>
          </>
        )}
      </div>
    </Panel>
  );
}
