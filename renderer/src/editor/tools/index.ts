/**
 * The editor's tool registry: one file per tool, one entry here. The toolbar, the keyboard
 * shortcuts and the stage all read this list; `tool-<id>` is each tool button's test id.
 */
import { acceptPrediction } from './accept-prediction';
import { brush } from './brush';
import { eraser } from './eraser';
import { fill } from './fill';
import { lasso } from './lasso';
import { polygon } from './polygon';
import { replace } from './replace';
import { superpixel } from './superpixel';
import type { EditorTool } from './types';

export const TOOLS: readonly EditorTool[] = [
  brush,
  eraser,
  fill,
  polygon,
  lasso,
  superpixel,
  replace,
  acceptPrediction,
];

export function toolById(id: string): EditorTool {
  return TOOLS.find((t) => t.id === id) ?? brush;
}

export function toolForKey(key: string): EditorTool | undefined {
  return TOOLS.find((t) => t.shortcut === key.toLowerCase());
}

export type { EditorTool, ToolContext, ToolPreview, ToolSettings } from './types';
