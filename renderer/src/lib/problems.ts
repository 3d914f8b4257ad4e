import type { ProblemReason } from '../../../shared/dataset/descriptor';

/** Each validation problem in words a person reads; typed so a new reason cannot be missed. */
export const PROBLEM_TEXT: Record<ProblemReason, string> = {
  missing_image: 'Image file missing',
  missing_annotation: 'Annotation file missing',
  unresolved_path: 'Listed path not found in the dataset folder',
  bad_list_line: 'List line cannot be read',
  empty_file: 'Empty file',
  unreadable: 'File cannot be read',
  not_an_image: 'Not an image (or corrupt header)',
  truncated_file: 'File is cut short',
  corrupt_file: 'File is corrupt',
  size_mismatch: 'Image and annotation sizes differ',
  unknown_ids: 'Annotation uses class ids not in the labels',
  mask_16bit: '16-bit annotation (8-bit expected)',
  exif_rotated: 'Image is rotated by its EXIF tag',
  too_many_pixels: 'Image too large to decode safely',
  unsupported_mask: 'Annotation format not supported',
  labels_file: 'Labels file cannot be used',
  left_out: 'Left out of the dataset (not part of its layout)',
  outside_dataset: 'File links outside the dataset folder',
};

/** Long text for the report; unknown reasons (a newer host) fall back to readable words. */
export function problemText(reason: string): string {
  return (PROBLEM_TEXT as Record<string, string>)[reason] ?? problemShort(reason);
}

/** Short tag for thumbnails: `missing_annotation` -> `missing annotation`. */
export function problemShort(reason: string): string {
  return reason.replace(/_/g, ' ');
}
