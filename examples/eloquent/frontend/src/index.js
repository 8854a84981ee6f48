/* global document, fetch */
// Eloquent AI's chat frontend (stand-in for the React app): renders into #root and talks to the API.
const root = document.getElementById('root');
root.textContent = 'Eloquent AI';
fetch('/api/health').catch(() => undefined);
