import { useEffect, useMemo, useState } from 'react';

import { debounce } from '../utils/debounce';

interface SearchBarProps {
  value: string;
  onChange: (query: string) => void;
  placeholder?: string;
}

export const SEARCH_DEBOUNCE_MS = 250;

export default function SearchBar({ value, onChange, placeholder = 'Search notes…' }: SearchBarProps) {
  const [text, setText] = useState(value);
  const emit = useMemo(() => debounce(onChange, SEARCH_DEBOUNCE_MS), [onChange]);

  useEffect(() => () => emit.cancel(), [emit]);

  return (
    <input
      type="search"
      className="search-bar"
      aria-label="Search notes"
      placeholder={placeholder}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        emit(e.target.value);
      }}
    />
  );
}
