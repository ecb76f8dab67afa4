interface HeaderProps {
  count: number;
}

export const APP_TITLE = 'Notes';

export default function Header({ count }: HeaderProps) {
  return (
    <header className="header">
      <h1>{APP_TITLE}</h1>
      <span className="header__count">
        {count} {count === 1 ? 'note' : 'notes'}
      </span>
    </header>
  );
}
