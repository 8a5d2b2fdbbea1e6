import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';
import { wechatShare } from 'wechat-share/vite';

export default defineConfig({
  // The card thumbnail and the stylesheet the other examples use too.
  publicDir: '../assets',
  plugins: [vue(), wechatShare()],
});
