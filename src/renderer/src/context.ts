import { createContext, useContext } from 'react';
import type { EngineBridge } from '../../shared/contracts/engine-api';
import type { CaptureManager } from './capture/manager';
import type { Account } from './account/gate';

export interface Engine {
  bridge: EngineBridge;
  captures: CaptureManager;
  /** Serve mode's signed-in user or token (null in the desktop app); a viewer is offered no changes. */
  account?: Account | null;
}

export const EngineContext = createContext<Engine | null>(null);

export function useEngine(): Engine {
  const engine = useContext(EngineContext);
  if (!engine) throw new Error('useEngine outside <EngineContext.Provider>');
  return engine;
}

/** Whether this page may change anything: not for serve mode's viewer role (the server refuses it anyway). */
export function useCanChange(): boolean {
  return useContext(EngineContext)?.account?.role !== 'viewer';
}
