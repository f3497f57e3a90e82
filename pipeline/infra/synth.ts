/**
 * `npm run pipeline:synth`: writes the CloudFormation templates (and bundled function code) of a
 * team's stack, both variants by default, into a cloud assembly that `cdk deploy --app <dir>` deploys,
 * and beside them the IAM policy the organiser side needs to reach those stacks.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { wholeNumber } from '@/lib/cli-options';
import { errorMessage } from '@/lib/errors';
import { DEFAULT_SHARD_COUNT } from '@/lib/pipeline-resources';
import { teamSlugSchema } from '@/lib/store/team-records';
import { buildPipelineApp } from './app';
import { DEFAULT_ORGANISER_TABLE, ORGANISER_POLICY_FILE, organiserPolicy } from './organiser-policy';
import { PIPELINE_DIRECTORY, PIPELINE_VARIANTS, type PipelineVariant } from './wiring';

export const DEFAULT_OUTDIR = path.join(PIPELINE_DIRECTORY, 'infra', 'cdk.out');
export const EXAMPLE_EXTERNAL_ID = 'aggregation-workshop';

function prefixOption(value: string, previous: string[] | undefined): string[] {
  const result = teamSlugSchema.safeParse(value);
  if (!result.success) throw new InvalidArgumentError((result.error.issues[0]?.message ?? result.error.message).replace(/^slug/, 'a prefix'));
  return [...(previous ?? []), value];
}

function accountOption(value: string): string {
  if (!/^\d{12}$/.test(value)) throw new InvalidArgumentError('must be a 12-digit AWS account id');
  return value;
}

function accountsOption(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), accountOption(value)];
}

function regionOption(value: string): string {
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(value)) throw new InvalidArgumentError('must be an AWS region such as eu-west-1');
  return value;
}

function tableNameOption(value: string): string {
  if (!/^[\w.-]{3,255}$/.test(value)) throw new InvalidArgumentError('must be a DynamoDB table name: 3–255 letters, digits and _.-');
  return value;
}

function externalIdOption(value: string): string {
  if (!/^[\w+=,.@:/-]{2,1224}$/.test(value)) throw new InvalidArgumentError('must be 2–1224 characters of letters, digits and +=,.@:/-_');
  return value;
}

const program = new Command()
  .name('npm run pipeline:synth --')
  .description('Synthesises the CloudFormation templates of a team pipeline stack (offline, no AWS account needed).')
  .option(
    '--prefix <prefix>',
    'resource name prefix of a team, e.g. team07 (repeat for several teams in one account); without it: StateTable, StateLambda, …',
    prefixOption,
  )
  .option('--shards <count>', 'shards of the Kinesis stream', wholeNumber(1, 500), DEFAULT_SHARD_COUNT)
  .option('--organiser-account <id>', 'AWS account the scoreboard runs in (default: the team’s own account)', accountOption)
  .option('--external-id <id>', 'external id the scoreboard passes when assuming the role', externalIdOption, EXAMPLE_EXTERNAL_ID)
  .option('--organiser-region <region>', 'region of the organiser store, for the organiser policy (default: any)', regionOption)
  .option('--organiser-table <name>', 'the organiser store’s table (ORGANISER_TABLE), for the organiser policy', tableNameOption, DEFAULT_ORGANISER_TABLE)
  .option('--team-account <id>', 'an account holding team stacks, for the organiser policy (repeat for each; default: any)', accountsOption)
  .option('--with-generator', 'also deploy the GeneratorLambda, scheduled to run a round against the stack every minute')
  .addOption(new Option('--variant <variant>', 'which variant(s) to synthesise').choices(['starting', 'solution', 'both']).default('both'))
  .option('--out <dir>', 'output directory (a CDK cloud assembly)', path.relative(process.cwd(), DEFAULT_OUTDIR) || '.')
  .action(
    (options: {
      prefix?: string[];
      shards: number;
      organiserAccount?: string;
      organiserRegion?: string;
      organiserTable: string;
      teamAccount?: string[];
      externalId: string;
      withGenerator?: boolean;
      variant: string;
      out: string;
    }) => {
      const outdir = path.resolve(options.out);
      const shown = (file: string) => path.relative(process.cwd(), file) || '.';
      const variants = options.variant === 'both' ? PIPELINE_VARIANTS : [options.variant as PipelineVariant];
      const prefixes = options.prefix ?? [''];
      const { app, stacks } = buildPipelineApp({
        prefixes,
        variants,
        shardCount: options.shards,
        organiserAccountId: options.organiserAccount,
        externalId: options.externalId,
        withGenerator: options.withGenerator,
        outdir,
      });
      const assembly = app.synth();
      console.log(`Cloud assembly written to ${shown(outdir)}`);
      for (const stack of stacks) {
        const artifact = assembly.getStackByName(stack.stackName);
        console.log(`  ${stack.stackName}: ${shown(path.join(outdir, artifact.templateFile))}`);
      }
      const policy = organiserPolicy({
        tableName: options.organiserTable,
        organiserAccountId: options.organiserAccount,
        organiserRegion: options.organiserRegion,
        teamAccountIds: options.teamAccount,
      });
      const policyFile = path.join(outdir, ORGANISER_POLICY_FILE);
      writeFileSync(policyFile, `${JSON.stringify(policy, null, 2)}\n`);
      console.log(`Organiser policy (the organiser store ${options.organiserTable}, sts:AssumeRole on the teams' scoreboard roles): ${shown(policyFile)}`);
      if (options.withGenerator)
        console.log(
          'Each stack includes the GeneratorLambda: once deployed, it runs a round every minute and keeps the account’s score and lab in its ParameterTable (item GENERATOR_SCORE).',
        );
      if (options.externalId === EXAMPLE_EXTERNAL_ID) {
        console.log(`External id: "${EXAMPLE_EXTERNAL_ID}" (the example; pass --external-id <secret> for a real event).`);
      }
      console.log(`Deploy one with: npx aws-cdk@2 deploy --app ${shown(outdir)} <stack name>`);
    },
  );

program.parseAsync().catch((error: unknown) => {
  console.error(`pipeline:synth failed: ${errorMessage(error)}`);
  process.exit(1);
});
