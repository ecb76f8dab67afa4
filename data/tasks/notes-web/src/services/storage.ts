/** Drafts kept in localStorage so unsaved edits survive a reload. */

export const STORAGE_KEY = 'notes-web:drafts';
export const MAX_DRAFTS = 50;

type DraftMap = Record<string, string>;

function readAll(): DraftMap {
  try {
    return JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}') as DraftMap;
  } catch {
    return {};
  }
}

function writeAll(drafts: DraftMap): void {
  const ids = Object.keys(drafts);
  if (ids.length > MAX_DRAFTS) {
    // drop the oldest entries (insertion order)
    ids.slice(0, ids.length - MAX_DRAFTS).forEach((id) => delete drafts[id]);
  }
  localStorage.setItem(STORAGE_KEY, JSON.stringify(drafts));
}

export function saveDraft(noteId: string, body: string): void {
  const drafts = readAll();
  drafts[noteId] = body;
  writeAll(drafts);
}

/** Returns the saved draft for a note, or null when there is none. */
export function loadDraft(noteId: string): string | null {
  return readAll()[noteId] ?? null;
}

export function clearDraft(noteId: string): void {
  const drafts = readAll();
  delete drafts[noteId];
  writeAll(drafts);
}
