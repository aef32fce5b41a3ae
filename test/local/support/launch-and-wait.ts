/**
 * A parent for the child-service test: starts a child that would sleep for a minute through the project's launcher,
 * prints `{"child":<pid>}` and waits to be killed.
 */
import { startChildService } from '../../../local/services/child-service';

const child = startChildService({ name: 'sleeper', args: ['-e', 'setTimeout(() => undefined, 60000)'] });
console.log(JSON.stringify({ child: child.process.pid }));
setInterval(() => undefined, 1000);
