import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DatasetDescriptor } from '../../shared/dataset/descriptor';
import { describeJsonError } from '../../shared/dataset/json-error';
import { writeJsonAtomic } from '../fs/atomic';
import { DatasetError } from './errors';

/** The descriptor lives in the project folder, never in the dataset folder. */
export const DESCRIPTOR_FILE = 'dataset.json';

export async function saveDescriptor(
  projectDir: string,
  descriptor: DatasetDescriptor,
): Promise<string> {
  const file = path.join(projectDir, DESCRIPTOR_FILE);
  await writeJsonAtomic(file, DatasetDescriptor.parse(descriptor));
  return file;
}

/** Reads and validates a saved descriptor; null when the project has none yet. */
export async function loadDescriptor(projectDir: string): Promise<DatasetDescriptor | null> {
  const file = path.join(projectDir, DESCRIPTOR_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new DatasetError(`${file} is ${describeJsonError(text, err)}`);
  }
  const parsed = DatasetDescriptor.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DatasetError(
      `${file} is not a valid dataset descriptor: ${issue ? `${issue.path.join('.') || 'top level'}: ${issue.message}` : 'invalid'}`,
    );
  }
  return parsed.data;
}
