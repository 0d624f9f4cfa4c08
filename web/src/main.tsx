// Entry point of the web app's bundle (scripts/bundle-web.mjs).
import { render } from 'preact';
import { App } from './app.js';

render(<App />, document.getElementById('app') as HTMLElement);
