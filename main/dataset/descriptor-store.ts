import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DatasetDescriptor } from '../../shared/dataset/descriptor';
import { writeJsonAtomic } from '../fs/atomic';

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
  const parsed = DatasetDescriptor.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new Error(
      `${file} is not a valid dataset descriptor: ${parsed.error.issues[0]?.message ?? ''}`,
    );
  }
  return parsed.data;
}
