/**
 * Bundling a handler for AWS Lambda with esbuild, in process, as a CDK asset: one readable,
 * unminified CommonJS file `index.js`. For the pipeline's handlers the AWS SDK comes from the Lambda
 * runtime, so the code a participant sees in the Lambda console is their own and can be edited there.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { buildSync } from 'esbuild';

/** Node.js version of the Lambda runtime the bundles target. */
export const LAMBDA_NODE_TARGET = 'node22';

/**
 * Where a bundle's AWS SDK comes from: the Lambda runtime (`runtime`: short bundles of the participants'
 * handlers) or the bundle itself (`bundled`: the exact versions this repository was tested with).
 */
export type SdkSource = 'runtime' | 'bundled';

/** The bundle of `entry` (the contents of `index.js`); esbuild errors are thrown with file and line. */
export function bundleForLambda(entry: string, sdk: SdkSource = 'runtime'): Uint8Array {
  const result = buildSync({
    entryPoints: [entry],
    outfile: 'index.js',
    write: false,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: LAMBDA_NODE_TARGET,
    external: sdk === 'runtime' ? ['@aws-sdk/*'] : [],
    minify: false,
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error(`esbuild wrote no bundle for ${entry}`);
  return output.contents;
}

/** The Lambda code asset of a handler file (handler `index.handler`), bundled locally, never in Docker. */
export function handlerCode(entry: string, sdk: SdkSource = 'runtime'): lambda.Code {
  const code = bundleForLambda(entry, sdk);
  return lambda.Code.fromAsset(path.dirname(entry), {
    // The bundle's own hash: it names the asset and keeps CDK from reusing one bundle for two handlers.
    assetHashType: AssetHashType.CUSTOM,
    assetHash: createHash('sha256').update(code).digest('hex'),
    bundling: {
      // Required by the API; local bundling always succeeds, so no container is ever started.
      image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs22.x'),
      local: {
        tryBundle(outputDirectory: string) {
          writeFileSync(path.join(outputDirectory, 'index.js'), code);
          return true;
        },
      },
    },
  });
}
