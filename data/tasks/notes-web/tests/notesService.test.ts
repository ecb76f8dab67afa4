import { apiClient } from '../src/services/apiClient';
import { deleteNote, fetchNotes, searchNotes } from '../src/services/notesService';
import { DEFAULT_FILTER, Note } from '../src/types';

jest.mock('../src/services/apiClient');

const note = (id: string, title: string, pinned = false, updatedAt = '2024-03-01T10:00:00Z'): Note => ({
  id,
  title,
  body: `body of ${title}`,
  tags: [],
  pinned,
  createdAt: '2024-01-01T00:00:00Z',
  updatedAt,
});

describe('notesService', () => {
  it('fetchNotes returns the notes from the API', async () => {
    (apiClient.get as jest.Mock).mockResolvedValue({ data: [note('1', 'a')] });
    await expect(fetchNotes()).resolves.toHaveLength(1);
  });

  it('deleteNote resolves to true on 204', async () => {
    (apiClient.delete as jest.Mock).mockResolvedValue({ status: 204 });
    await expect(deleteNote('1')).resolves.toBe(true);
  });

  it('searchNotes matches title and body case-insensitively', () => {
    const notes = [note('1', 'Groceries'), note('2', 'Ideas')];
    const result = searchNotes(notes, { ...DEFAULT_FILTER, query: 'GROC' });
    expect(result.map((n) => n.id)).toEqual(['1']);
  });

  it('searchNotes puts pinned notes first', () => {
    const notes = [note('1', 'old', false, '2024-05-01T00:00:00Z'), note('2', 'pinned', true, '2023-01-01T00:00:00Z')];
    expect(searchNotes(notes, DEFAULT_FILTER)[0].id).toBe('2');
  });
});
