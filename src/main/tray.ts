/**
 * The tray icon: closing the window hides the app here, so recognition goes on with no window
 * on screen. It says how many cameras are running and offers Show and Quit; Quit stops everything.
 */
import { Menu, Tray, nativeImage, type NativeImage } from 'electron';

export interface TrayActions {
  show(): void;
  quit(): void;
}

/** A 16x16 dot drawn in code (BGRA), so the app ships no icon file for the tray. */
function dotIcon(): NativeImage {
  const size = 16;
  const pixels = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const d = Math.hypot(x - 7.5, y - 7.5);
      const i = (y * size + x) * 4;
      const inside = d <= 6.5;
      pixels[i] = inside ? 0x4c : 0; // B
      pixels[i + 1] = inside ? 0xaf : 0; // G
      pixels[i + 2] = inside ? 0x50 : 0; // R
      pixels[i + 3] = inside ? 0xff : 0; // A
    }
  }
  return nativeImage.createFromBitmap(pixels, { width: size, height: size });
}

export class AppTray {
  private tray: Tray | null = null;
  private last = '';

  constructor(private readonly actions: TrayActions) {}

  create(): void {
    if (this.tray) return;
    this.tray = new Tray(dotIcon());
    this.tray.on('click', () => this.actions.show());
    this.update(0, 0);
  }

  /** Called with every snapshot; rebuilds the menu only when the words change. */
  update(running: number, total: number): void {
    const tray = this.tray;
    if (!tray) return;
    const text = total === 0 ? 'No cameras' : `${running} of ${total} camera${total === 1 ? '' : 's'} running`;
    if (text === this.last) return;
    this.last = text;
    tray.setToolTip(`Multicam Recognition: ${text}`);
    tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: text, enabled: false },
        { type: 'separator' },
        { label: 'Show', click: () => this.actions.show() },
        { label: 'Quit', click: () => this.actions.quit() },
      ]),
    );
  }

  destroy(): void {
    this.tray?.destroy();
    this.tray = null;
  }
}
