import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';
import { wechatShare } from 'wechat-share/vite';

export default defineConfig({
  // The card thumbnail and the stylesheet the other examples use too.
  publicDir: '../assets',
  // WeChat's open tags (<wx-open-launch-weapp>…) are custom elements that the client defines.
  plugins: [vue({ template: { compilerOptions: { isCustomElement: (tag) => tag.startsWith('wx-open-') } } }), wechatShare()],
});
