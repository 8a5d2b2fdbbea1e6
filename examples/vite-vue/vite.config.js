import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';
import { wechatShare } from 'wechat-share/vite';

export default defineConfig({
  // The card thumbnail and the stylesheet the other examples use too.
  publicDir: '../assets',
  // WeChat's open tags (<wx-open-launch-weapp>…) are custom elements that the client defines.
  plugins: [
    vue({ template: { compilerOptions: { isCustomElement: (tag) => tag.startsWith('wx-open-') } } }),
    // This repository keeps weixin-js-sdk at 1.4.0 for its tests and has 1.6.0 as jweixin-1.6.0:
    // the app has an open tag, so it needs 1.6.0, served from that copy (no res.wx.qq.com). In
    // your project, with weixin-js-sdk 1.6 installed, wechatShare() alone does it.
    wechatShare({ jweixinPackage: 'jweixin-1.6.0' }),
  ],
});
