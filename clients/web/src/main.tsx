import { render } from 'preact';
import { App } from './app';
import { applySettings } from './settings';
import './styles.css';

applySettings();
render(<App />, document.getElementById('app')!);

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {
    /* the app works without it (no install, no push) */
  });
  // A notification click in an open window: go where it points.
  navigator.serviceWorker.addEventListener('message', (e) => {
    if (e.data?.type === 'open' && typeof e.data.target === 'string') {
      const hash = e.data.target.split('#')[1];
      if (hash) location.hash = hash;
    }
  });
}
