export interface Note {
  id: string;
  title: string;
  body: string;
  tags: string[];
  pinned: boolean;
  createdAt: string;
  updatedAt: string;
}

export type NewNote = Pick<Note, 'title' | 'body' | 'tags'>;

export type NoteUpdate = Partial<Omit<Note, 'id' | 'createdAt'>>;

export type SortOrder = 'updated' | 'created' | 'title';

export interface NoteFilter {
  query: string;
  tag?: string;
  pinnedOnly: boolean;
  sort: SortOrder;
}

export const DEFAULT_FILTER: NoteFilter = {
  query: '',
  pinnedOnly: false,
  sort: 'updated',
};
