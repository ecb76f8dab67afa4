import { clearDraft, loadDraft, MAX_DRAFTS, saveDraft, STORAGE_KEY } from '../src/services/storage';

describe('storage', () => {
  beforeEach(() => localStorage.clear());

  it('returns null when there is no draft', () => {
    expect(loadDraft('missing')).toBeNull();
  });

  it('saves and clears a draft', () => {
    saveDraft('n1', 'hello');
    expect(loadDraft('n1')).toBe('hello');
    clearDraft('n1');
    expect(loadDraft('n1')).toBeNull();
  });

  it('keeps at most MAX_DRAFTS drafts', () => {
    for (let i = 0; i < MAX_DRAFTS + 5; i += 1) saveDraft(`n${i}`, 'x');
    const stored = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}');
    expect(Object.keys(stored)).toHaveLength(MAX_DRAFTS);
  });
});
