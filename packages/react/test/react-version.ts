/** The versions of React and react-dom that this package's tests import (React 18 in the react-18-tests project). */
export { version as reactVersion } from 'react';
export { version as reactDomVersion } from 'react-dom';
