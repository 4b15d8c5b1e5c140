// The privacy centre's entry point.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '../shared/base.css';
import { LanguageProvider } from '../shared/i18n.tsx';
import { PublicApp } from './public-app.tsx';

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <LanguageProvider fallback="ja" followBrowser={false}>
        <PublicApp />
      </LanguageProvider>
    </StrictMode>,
  );
}
