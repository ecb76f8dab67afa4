import { formatDistanceToNow } from 'date-fns';

import { Note } from '../types';

interface NoteListProps {
  notes: Note[];
  selectedId: string | null;
  onSelect: (id: string) => void;
}

export const PREVIEW_LENGTH = 80;

function preview(body: string): string {
  return body.length > PREVIEW_LENGTH ? `${body.slice(0, PREVIEW_LENGTH)}…` : body;
}

export default function NoteList({ notes, selectedId, onSelect }: NoteListProps) {
  if (notes.length === 0) {
    return <p className="note-list__empty">No notes yet. Start typing to create one.</p>;
  }

  // FIXME: the list re-renders every note on each keystroke; memoize rows
  return (
    <ul className="note-list">
      {notes.map((note) => (
        <li
          key={note.id}
          className={note.id === selectedId ? 'note-list__item is-selected' : 'note-list__item'}
          onClick={() => onSelect(note.id)}
        >
          <strong>
            {note.pinned && '📌 '}
            {note.title || 'Untitled'}
          </strong>
          <p>{preview(note.body)}</p>
          <small>edited {formatDistanceToNow(new Date(note.updatedAt), { addSuffix: true })}</small>
        </li>
      ))}
    </ul>
  );
}
