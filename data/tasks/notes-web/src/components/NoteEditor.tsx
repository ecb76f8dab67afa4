import { useEffect, useMemo, useState } from 'react';

import { updateNote } from '../services/notesService';
import { clearDraft, loadDraft, saveDraft } from '../services/storage';
import { Note } from '../types';
import { debounce } from '../utils/debounce';

interface NoteEditorProps {
  note: Note | null;
  onSaved: (note: Note) => void;
}

export const AUTOSAVE_DELAY_MS = 1500;

export default function NoteEditor({ note, onSaved }: NoteEditorProps) {
  const [body, setBody] = useState('');
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    if (note) setBody(loadDraft(note.id) ?? note.body);
  }, [note]);

  const autosave = useMemo(
    () =>
      debounce(async (id: string, text: string) => {
        setSaving(true);
        try {
          const saved = await updateNote(id, { body: text });
          clearDraft(id);
          onSaved(saved);
        } finally {
          setSaving(false);
        }
      }, AUTOSAVE_DELAY_MS),
    [onSaved],
  );

  if (!note) {
    return <section className="editor editor--empty">Select a note to edit it.</section>;
  }

  return (
    <section className="editor">
      <h2>{note.title}</h2>
      <textarea
        value={body}
        onChange={(e) => {
          setBody(e.target.value);
          saveDraft(note.id, e.target.value);
          autosave(note.id, e.target.value);
        }}
      />
      <footer>{saving ? 'Saving…' : 'All changes saved'}</footer>
    </section>
  );
}
