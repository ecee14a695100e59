/** vitest setup file: every test file's temporary directories go when the file ends. */
import { afterAll } from 'vitest';
import { removeTempDirs } from './tmp';

afterAll(() => removeTempDirs());
