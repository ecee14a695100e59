// electron-vite's import suffixes (`?modulePath` for the camera worker entry).
/// <reference types="electron-vite/node" />
