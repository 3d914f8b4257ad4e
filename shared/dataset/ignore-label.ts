/**
 * The label value of pixels that neither the loss nor the metrics count: void classes and
 * values the labels do not know. One name for the dataset engine (which writes it into decoded
 * label maps), the training engine and the confusion metrics (which skip it).
 */
export const IGNORE_LABEL = 255;
