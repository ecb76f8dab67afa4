import { useEffect, useMemo, useState } from 'react';

import Header from './components/Header';
import NoteEditor from './components/NoteEditor';
import NoteList from './components/NoteList';
import SearchBar from './components/SearchBar';
import { fetchNotes, searchNotes } from './services/notesService';
import { DEFAULT_FILTER, Note, NoteFilter } from './types';

export default function App() {
  const [notes, setNotes] = useState<Note[]>([]);
  const [filter, setFilter] = useState<NoteFilter>(DEFAULT_FILTER);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    fetchNotes()
      .then(setNotes)
      .catch(() => setError('Could not load notes. Is the API running?'));
  }, []);

  const visible = useMemo(() => searchNotes(notes, filter), [notes, filter]);
  const selected = notes.find((n) => n.id === selectedId) ?? null;

  return (
    <div className="app">
      <Header count={notes.length} />
      {error && <p className="error">{error}</p>}
      <SearchBar value={filter.query} onChange={(query) => setFilter({ ...filter, query })} />
      <main>
        <NoteList notes={visible} selectedId={selectedId} onSelect={setSelectedId} />
        <NoteEditor
          note={selected}
          onSaved={(saved) => setNotes((prev) => prev.map((n) => (n.id === saved.id ? saved : n)))}
        />
      </main>
    </div>
  );
}
