// The admin console's entry point (web/admin.html): the shared look, the console's own
// styles, the language (Japanese unless the browser or the stored choice says English).
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '../shared/base.css';
import './admin.css';
import { LanguageProvider } from '../shared/i18n.tsx';
import { AdminApp } from './admin-app.tsx';

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <LanguageProvider>
        <AdminApp />
      </LanguageProvider>
    </StrictMode>,
  );
}
