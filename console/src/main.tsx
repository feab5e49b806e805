import { render } from 'preact';
import { App } from './app';
import { registry } from './live';
import './styles.css';

registry.start();
const root = document.getElementById('app');
if (root !== null) {
  root.textContent = '';
  render(<App />, root);
}
