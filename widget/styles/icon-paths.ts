/** The launcher's chat icon (24×24, stroked): drawn by icons.ts and by the loader's launcher, one shape. */
export const CHAT_ICON_PATH = 'M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z';
