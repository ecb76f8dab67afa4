import { v4 as uuidv4 } from 'uuid';

import { Note, NewNote, NoteFilter, NoteUpdate } from '../types';
import { apiClient } from './apiClient';

export const MAX_TITLE_LENGTH = 120;
export const MAX_TAGS = 10;

// TODO: cache notes in IndexedDB so the list works offline

export async function fetchNotes(): Promise<Note[]> {
  const { data } = await apiClient.get<Note[]>('/notes');
  return data;
}

export async function createNote(input: NewNote): Promise<Note> {
  const title = input.title.trim().slice(0, MAX_TITLE_LENGTH);
  const tags = Array.from(new Set(input.tags)).slice(0, MAX_TAGS);
  const { data } = await apiClient.post<Note>('/notes', { ...input, title, tags, clientId: uuidv4() });
  return data;
}

export async function updateNote(id: string, changes: NoteUpdate): Promise<Note> {
  const { data } = await apiClient.patch<Note>(`/notes/${id}`, changes);
  return data;
}

/** Deletes a note; resolves to true when the server confirmed the delete. */
export async function deleteNote(id: string): Promise<boolean> {
  const response = await apiClient.delete(`/notes/${id}`);
  return response.status === 204;
}

/** Filters and sorts notes in memory; pinned notes always come first. */
export function searchNotes(notes: Note[], filter: NoteFilter): Note[] {
  const q = filter.query.trim().toLowerCase();
  const matches = notes.filter((n) => {
    if (filter.pinnedOnly && !n.pinned) return false;
    if (filter.tag && !n.tags.includes(filter.tag)) return false;
    return !q || n.title.toLowerCase().includes(q) || n.body.toLowerCase().includes(q);
  });
  const key = filter.sort === 'title' ? 'title' : filter.sort === 'created' ? 'createdAt' : 'updatedAt';
  return matches.sort((a, b) => {
    if (a.pinned !== b.pinned) return a.pinned ? -1 : 1;
    return key === 'title' ? a.title.localeCompare(b.title) : b[key].localeCompare(a[key]);
  });
}
