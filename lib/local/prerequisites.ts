/** Checks what the local workshop needs on this machine (Node 20+, Java 17+) with a fix for each gap. */
import { spawnSync } from 'node:child_process';

export const MIN_NODE_MAJOR = 20;
export const MIN_JAVA_MAJOR = 17;

/** The major version in `java -version` output ("17.0.15" → 17, legacy "1.8.0_392" → 8). */
export function javaMajorVersion(versionOutput: string): number | null {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match) return null;
  const first = Number(match[1]);
  return first === 1 && match[2] ? Number(match[2]) : first;
}

/** Problems that prevent a start, each a sentence that says what to do. Empty when all is well. */
export function prerequisiteProblems(): string[] {
  const problems: string[] = [];
  const nodeMajor = Number(process.versions.node.split('.')[0]);
  if (nodeMajor < MIN_NODE_MAJOR) {
    problems.push(
      `Node.js ${MIN_NODE_MAJOR} or newer is needed (this is ${process.versions.node}): install it from https://nodejs.org or with your package manager.`,
    );
  }
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const javaMajor = java.error ? null : javaMajorVersion(`${java.stderr}${java.stdout}`);
  if (javaMajor === null) {
    problems.push(
      `Java ${MIN_JAVA_MAJOR} or newer is needed for DynamoDB Local, and \`java\` was not found: install it (Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless; macOS: brew install openjdk@17).`,
    );
  } else if (javaMajor < MIN_JAVA_MAJOR) {
    problems.push(`Java ${MIN_JAVA_MAJOR} or newer is needed for DynamoDB Local (found Java ${javaMajor}): install a newer JDK/JRE and put it first on PATH.`);
  }
  return problems;
}
